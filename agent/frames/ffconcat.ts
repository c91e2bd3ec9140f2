/**
 * The channel that gives ffmpeg a camera URL without putting it on ffmpeg's command line: an ffconcat
 * script written to ffmpeg's stdin (`-f concat -safe 0 -i pipe:0`). Anything in argv is readable by every
 * local user (`ps`, /proc/<pid>/cmdline); a pipe is not (only the agent's own uid can open
 * /proc/<pid>/fd/0), leaves nothing on disk, and is empty once ffmpeg has read it.
 *
 * The `option` directive (ffmpeg >= 5.0) hands the RTSP demuxer its options (transport, socket timeout,
 * flags): given on the command line they would go to the concat demuxer, which refuses them.
 */

/** ffmpeg 5.0 added the ffconcat `option` directive; older versions cannot carry the RTSP options. */
export const FFCONCAT_OPTION_MIN_VERSION = { major: 5, minor: 0 } as const;

/**
 * Protocols the concat input may open. The pipe protocol's own default whitelist is `crypto,data` (so a
 * playlist read from a pipe cannot reach the network), so the RTSP lower layers must be named:
 * tcp (RTSP control, interleaved RTP), udp + rtp (RTP over UDP), tls (rtsps://).
 */
export const RTSP_PROTOCOL_WHITELIST = 'pipe,tcp,udp,rtp,tls';

/**
 * The ffconcat script for one URL and the demuxer options to open it with. Control characters in the URL
 * are percent-encoded: the script is line-based, so a newline could otherwise add directives (and a raw
 * control character never works in an RTSP request line anyway).
 */
export function buildFfconcat(url: string, demuxerOptions: ReadonlyArray<readonly [string, string]>): string {
  const safeUrl = url.replace(/[\x00-\x1f\x7f]/g, (c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0').toUpperCase()}`);
  const lines = ['ffconcat version 1.0', `file ${quoteFfconcatToken(safeUrl)}`];
  for (const [name, value] of demuxerOptions) {
    if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`not an ffmpeg option name: ${JSON.stringify(name)}`);
    lines.push(`option ${name} ${quoteFfconcatToken(value.replace(/[\x00-\x1f\x7f]/g, ''))}`);
  }
  return `${lines.join('\n')}\n`;
}

/**
 * Quotes one token the way ffconcat reads it (libavutil's av_get_token): inside '…' every character is
 * literal up to the next quote, so a quote itself is written as '\'' (close, escaped quote, reopen).
 */
export function quoteFfconcatToken(text: string): string {
  return `'${text.replace(/'/g, "'\\''")}'`;
}
