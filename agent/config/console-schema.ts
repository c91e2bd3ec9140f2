import { z } from 'zod';

/** Hosts that keep the console to this box: reached from a laptop only through `ssh -L`. */
export const LOOPBACK_HOSTS: readonly string[] = ['127.0.0.1', 'localhost', '::1'];

/** True for an address only this box can reach (127.0.0.0/8, ::1, localhost). */
export function isLoopbackHost(host: string): boolean {
  return LOOPBACK_HOSTS.includes(host) || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/**
 * The `console:` block: the technician's web console (docs/console.md). Loopback by default; another
 * interface is refused unless a token file is named, because anyone who can reach the port could then
 * read the cameras and rewrite the config.
 */
export const consoleSchema = z
  .strictObject({
    enabled: z.boolean().default(true).describe('Serve the web console (live view, zone/line/rule editor, incidents, counts); see docs/console.md'),
    host: z
      .string()
      .default('127.0.0.1')
      .describe('Interface to listen on; loopback keeps it to this box (open it through `ssh -L 8089:127.0.0.1:8089 box`). Any other address needs tokenFile'),
    port: z.number().int().min(0).max(65535).default(8089).describe('TCP port (0: any free port)'),
    tokenFile: z
      .string()
      .optional()
      .describe('File holding the console token (trimmed, at least 16 characters); relative to the config file. Absent: <agent.dataDir>/console-token, generated at the first start (mode 0600); `camwatch console url` prints the link with it'),
    maxBodyBytes: z
      .number()
      .int()
      .min(1024)
      .max(16 * 1024 ** 2)
      .default(256 * 1024)
      .describe('Largest request body accepted (bytes, default 256 KiB); larger ones are answered 413'),
    liveFps: z.number().gt(0).max(15).default(4).describe('Frames per second sent to a live view (only while someone watches)'),
  })
  .prefault({})
  .superRefine((c, ctx) => {
    if (c.enabled && !isLoopbackHost(c.host) && c.tokenFile === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['tokenFile'],
        message: `console.host "${c.host}" is reachable from the network: set console.tokenFile (a file with a random token of 16+ characters, mode 0600), or keep console.host 127.0.0.1 and use ssh -L`,
      });
    }
  })
  .describe('Web console for technicians, served by the agent (docs/console.md)');
