// Incident reports in AWS: when an incident ends, the report function renders its report (the demo's
// renderer) into a private, encrypted bucket and sends the final notification with a signed link; the
// report page serves it behind the approval API (GET and HEAD only).
import { Arn, ArnFormat, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import type { Approvals } from './approvals';
import { backstepFunction, type LogSettings } from './functions';

export interface ReportsProps {
  readonly table: dynamodb.ITable;
  readonly topic: sns.ITopic;
  readonly key: kms.IKey;
  readonly secret: secretsmanager.Secret;
  readonly approvals: Approvals;
  readonly logs: LogSettings;
  readonly planPrefix: string;
  readonly retention: Duration;
  readonly linkTtl: Duration;
  readonly accessLogs?: s3.IBucket;
  /** Locks each report version for the retention (S3 Object Lock, governance mode). */
  readonly lock: boolean;
}

export class Reports extends Construct {
  public readonly bucket: s3.Bucket;
  /** Writes the report and sends the final notification when an incident ends. */
  public readonly writer: lambda.IFunction;
  /** Serves a report to a signed link. */
  public readonly page: lambda.IFunction;
  /** Wildcard resources in the grants, for the construct's acknowledgements. */
  public readonly wildcards: readonly string[];

  constructor(scope: Construct, id: string, props: ReportsProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.bucket = new s3.Bucket(this, 'Bucket', {
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: props.key,
      // One data key per bucket, not one KMS call per object.
      bucketKeyEnabled: true,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: true,
      lifecycleRules: [
        {
          expiration: props.retention,
          noncurrentVersionExpiration: Duration.days(30),
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
      ],
      ...(props.accessLogs
        ? { serverAccessLogsBucket: props.accessLogs, serverAccessLogsPrefix: 'backstep-reports/' }
        : {}),
      ...(props.lock
        ? { objectLockEnabled: true, objectLockDefaultRetention: s3.ObjectLockRetention.governance(props.retention) }
        : {}),
      // What was done during incidents: kept when the stack goes, like the table.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // A new report is an EventBridge event ("Object Created"), for whoever wants to forward it. Set on the
    // resource itself: CDK's eventBridgeEnabled would add a custom-resource function to do the same.
    (this.bucket.node.defaultChild as s3.CfnBucket).notificationConfiguration = {
      eventBridgeConfiguration: { eventBridgeEnabled: true },
    };
    const reports = this.bucket.arnForObjects('reports/*');
    const bucketEnv = { reportBucket: this.bucket.bucketName, approvalSecret: props.secret.secretArn };

    const writer = backstepFunction(
      this,
      'Write',
      {
        file: 'report.ts',
        environment: {
          ...bucketEnv,
          table: props.table.tableName,
          topic: props.topic.topicArn,
          approvalBaseUrl: props.approvals.api.url,
          reportLinkSeconds: String(props.linkTtl.toSeconds()),
        },
        timeout: Duration.minutes(1),
        memorySize: 1024,
      },
      props.logs,
    );
    // Reads the incident; appends the `reported` entry to its timeline.
    props.table.grantReadWriteData(writer);
    props.topic.grantPublish(writer);
    props.secret.grantRead(writer);
    writer.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:PutObject'], resources: [reports] }));
    // SSE-KMS with a bucket key: a single-part PutObject needs a data key (kms:GenerateDataKey).
    props.key.grant(writer, 'kms:GenerateDataKey');
    // The definition that ran: the plan's execution (named like the incident) and the version it ran.
    const states = (resource: string, resourceName: string) =>
      Arn.format({ service: 'states', resource, resourceName, arnFormat: ArnFormat.COLON_RESOURCE_NAME }, stack);
    const executions = states('execution', `${props.planPrefix}*:*`);
    const machines = states('stateMachine', `${props.planPrefix}*`);
    writer.addToRolePolicy(new iam.PolicyStatement({ actions: ['states:DescribeExecution'], resources: [executions] }));
    writer.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['states:DescribeStateMachine'], resources: [machines] }),
    );
    this.writer = writer;

    const page = backstepFunction(
      this,
      'Page',
      { file: 'report-page.ts', environment: bucketEnv, timeout: Duration.seconds(15) },
      props.logs,
    );
    props.secret.grantRead(page);
    page.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [reports] }));
    // Without ListBucket a missing object reads as AccessDenied (403), not NoSuchKey (404)
    // (https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html, Permissions).
    page.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [this.bucket.bucketArn] }));
    props.key.grant(page, 'kms:Decrypt');
    props.approvals.addPages('reports', page, ['GET', 'HEAD']);
    this.page = page;

    this.wildcards = [reports, executions, machines];
    if (!props.accessLogs) {
      Validations.of(this.bucket).acknowledge({
        id: 'AwsSolutions-S1',
        reason:
          "Server access logs need a bucket of their own, whose place is the account owner's choice (prop reportAccessLogs); every read goes through the report page, whose API logs each request.",
      });
    }
  }
}
