/** Reports of incidents: Markdown, one self-contained HTML file with charts, JSON. Public entry of the module. */
export { renderReport } from './render.js';
export { REPORT_FORMATS, type ReportFormat, type ReportInput, type ReportOptions } from './model.js';
export { SeriesIndex, type Series } from './series.js';
export { esc } from './svg.js';
export { mdEscape } from './markdown.js';
export { renderIncidentsText, type TextOptions } from './text.js';
