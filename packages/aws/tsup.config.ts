import { ghrTsupConfig } from '@ghr/config/tsup';

// One entry per subpath: per service (each needs only its own `@aws-sdk/*` peer), the SDK-free `fetch`, `lambda`
// and `metrics`, and `testing` (moto launcher, test clients, fault proxy, call counter), kept apart so that no
// other entry pulls in node:child_process or an HTTP server. Shared code (errors) lands in shared chunks, so
// `AwsError` is one class whichever subpath it came through.
export const config = ghrTsupConfig({
  entry: ['src/index.ts', 'src/ec2.ts', 'src/ssm.ts', 'src/dynamodb.ts', 'src/sqs.ts', 'src/s3.ts', 'src/fetch.ts', 'src/lambda.ts', 'src/metrics.ts', 'src/testing.ts'],
});
export { config as default };
