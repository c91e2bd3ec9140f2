/** Where a clip is uploaded (pure): the template with `{agentId}`, `{cameraId}`, `{incidentId}` replaced, URL-encoded. */
export function clipUploadUrl(template: string, ids: { agentId: string; cameraId: string; incidentId: string }): string {
  return template.replace(/\{(agentId|cameraId|incidentId)\}/g, (_m, key: keyof typeof ids) => encodeURIComponent(ids[key]));
}

/**
 * A URL as it may be logged or published: no query string or fragment (an S3 presigned URL carries its
 * signature and credential there) and no user:password.
 */
export function shownUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return url.replace(/[?#].*$/, '').replace(/\/\/[^/@]*@/, '//');
  }
}
