/** IMAP, SMTP, POP3 and FTP analyzers that follow the in-band TLS upgrade: the module's public entry. */
export {
  imapAnalyzer, smtpAnalyzer, pop3Analyzer, ftpAnalyzer, probeImap, probeSmtp, probePop3, probeFtp,
  MAIL_MAX_LINE, MAIL_MAX_LINES, MAIL_MAX_PENDING, MAIL_MAX_EARLY,
} from './starttls.js';
