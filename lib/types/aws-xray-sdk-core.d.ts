// aws-xray-sdk-core 3 ships no types for its Lambda environment module (lib/aws/xray-sdk.ts loads it).
declare module 'aws-xray-sdk-core/dist/lib/env/aws_lambda' {
  /** Sets the SDK up for Lambda: no centralized sampling, subsegments streamed, the facade segment. */
  export function init(): void;
}
