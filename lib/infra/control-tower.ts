// The AWS Control Tower proactive controls (as CloudFormation Guard rules) that Backstep's template does not
// meet, each named with its reason, as cdk-nag findings are acknowledged in permissions.ts. A test runs the
// rules on the synthesized template: every finding must be here, and everything here must still be found.
// The controls: https://docs.aws.amazon.com/controltower/latest/userguide/proactive-controls.html

export interface ControlTowerAcknowledgement {
  /** The control, e.g. `CT.LAMBDA.PR.3`. */
  readonly rule: string;
  /** A construct path under the Backstep construct: the resources at or below it. @default - every resource */
  readonly resource?: string;
  readonly reason: string;
}

export interface ControlTowerSettings {
  /** The construct's `compliance` prop. */
  readonly compliance: boolean;
  /** Whether the construct created its key (an imported key's policy is not in the template). */
  readonly ownKey: boolean;
  /** Whether the reports bucket logs its server access (prop reportAccessLogs). */
  readonly reportAccessLogs: boolean;
}

export function controlTowerAcknowledgements(settings: ControlTowerSettings): ControlTowerAcknowledgement[] {
  return [
    {
      rule: 'CT.LAMBDA.PR.2',
      resource: 'Approvals/Api',
      reason:
        "API Gateway's permission to invoke the approval callback names the API's own methods (SourceArn), which the rule does not read when it is an Fn::Join: it is not public.",
    },
    {
      rule: 'CT.LAMBDA.PR.3',
      reason:
        'The functions call AWS APIs only; in a VPC they would need a NAT gateway or an interface endpoint per service they call, one more thing that can fail during an incident.',
    },
    ...(settings.reportAccessLogs
      ? []
      : [
          {
            rule: 'CT.S3.PR.2',
            resource: 'Reports/Bucket',
            reason:
              "Server access logs need a bucket of their own, the account owner's choice (reportAccessLogs); every read of a report goes through the report page, whose API logs each request.",
          },
        ]),
    ...(settings.compliance
      ? []
      : [
          {
            rule: 'CT.S3.PR.9',
            resource: 'Reports/Bucket',
            reason:
              'A report is a rendering of what the table keeps (its timeline is append-only, with point-in-time recovery); `compliance: true` locks each report for its retention.',
          },
          {
            rule: 'CT.CLOUDWATCH.PR.2',
            reason:
              'Logs are kept for logRetention (a month by default): they are for operating Backstep; what it did is kept in the table. `compliance: true` keeps them a year.',
          },
          {
            rule: 'CT.CLOUDWATCH.PR.3',
            reason:
              "Log groups use CloudWatch Logs' own encryption at rest by default; `compliance: true` encrypts them with the construct's key.",
          },
          ...(settings.ownKey
            ? [
                {
                  rule: 'CT.KMS.PR.3',
                  resource: 'Key',
                  reason:
                    "The key's policy is CDK's default plus the grants to the services it serves; `compliance: true` adds the deny on grants that are not for AWS resources.",
                },
              ]
            : []),
        ]),
  ];
}
