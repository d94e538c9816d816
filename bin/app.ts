// CDK app: stacks and cdk-nag only. The Backstep construct and its demo stack arrive with the AWS
// platform; until then this app synthesizes no stacks.
import { App } from 'aws-cdk-lib';

new App().synth();
