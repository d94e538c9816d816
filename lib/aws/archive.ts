// Incident reports in AWS: kept in the construct's S3 bucket (encrypted with its key by the bucket's default).
import { GetObjectCommand, NoSuchKey, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { reportKey, type ReportArchive } from '../core/archive';

export function s3Archive(s3: Pick<S3Client, 'send'>, bucket: string): ReportArchive {
  return {
    put: async (incidentId, html) => {
      // One PutObject stores the whole object or nothing.
      await s3.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: reportKey(incidentId),
          Body: html,
          ContentType: 'text/html; charset=utf-8',
        }),
      );
    },
    get: async (incidentId) => {
      try {
        const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: reportKey(incidentId) }));
        return out.Body ? await out.Body.transformToString('utf-8') : undefined;
      } catch (err) {
        if (err instanceof NoSuchKey || (err instanceof Error && err.name === 'NoSuchKey')) return undefined;
        throw err;
      }
    },
    where: (incidentId) => `s3://${bucket}/${reportKey(incidentId)}`,
  };
}
