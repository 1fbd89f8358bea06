/** `renderReport`: one call from an analysis and its incidents to a report in md, html or json. */
import type { Incident } from '../correlate/incident.js';
import { buildModel, REPORT_FORMATS, type ReportFormat, type ReportInput, type ReportOptions } from './model.js';
import { renderHtml } from './html.js';
import { renderJson } from './json.js';
import { renderMarkdown } from './markdown.js';

/**
 * Render a report. `result` is the analysis (`AnalyzeResult` fits: findings, dataset, captures,
 * timings); `incidents` come from `correlate` (already ranked). HTML is one self-contained file.
 */
export function renderReport(result: ReportInput, incidents: readonly Incident[], format: ReportFormat, opts: ReportOptions = {}): string {
  if (!REPORT_FORMATS.includes(format)) throw new Error(`Cannot render report: unknown format '${String(format)}' (use ${REPORT_FORMATS.join(', ')})`);
  const m = buildModel(result, incidents, opts);
  return format === 'html' ? renderHtml(m) : format === 'json' ? renderJson(m) : renderMarkdown(m);
}
