// Where finished incident reports are kept: an S3 bucket in AWS (lib/aws/reports.ts), a folder on one
// machine (lib/local/engines/archive.ts). One HTML document per incident, named by the incident id.

export interface ReportArchive {
  /** Writes the whole report or nothing. */
  readonly put: (incidentId: string, html: string) => Promise<void>;
  /** The report, or undefined when there is none for this incident. */
  readonly get: (incidentId: string) => Promise<string | undefined>;
  /** Where a person finds it without a link, e.g. `s3://bucket/reports/<id>.html`. */
  readonly where: (incidentId: string) => string;
}

/** The key (or file name) of an incident's report. */
export function reportKey(incidentId: string): string {
  // Ids come from verified links and execution names; anything else never becomes a path.
  if (!/^[A-Za-z0-9_-]{1,80}$/.test(incidentId)) throw new Error(`"${incidentId}" is not an incident id`);
  return `reports/${incidentId}.html`;
}
