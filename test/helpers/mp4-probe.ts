import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** What ffprobe and the file's top-level boxes say of an MP4 clip (tests of evidence clips). */
export interface Mp4Facts {
  durationSeconds: number;
  codec: string;
  /** Byte offsets of the top-level `moov` and `mdat` boxes: faststart puts moov first. */
  moovAt: number;
  mdatAt: number;
  /** Seconds between the first two keyframes (the stream's keyframe interval). */
  frames: number;
}

/** Probes an MP4 file with the real ffprobe. */
export function probeMp4(path: string): Mp4Facts {
  const out = JSON.parse(
    execFileSync('ffprobe', ['-v', 'error', '-count_packets', '-show_entries', 'format=duration:stream=codec_name,nb_read_packets', '-of', 'json', path], { encoding: 'utf8' }),
  ) as { format: { duration: string }; streams: Array<{ codec_name: string; nb_read_packets: string }> };
  const boxes = topLevelBoxes(readFileSync(path));
  return {
    durationSeconds: Number(out.format.duration),
    codec: out.streams[0]?.codec_name ?? '',
    moovAt: boxes.get('moov') ?? -1,
    mdatAt: boxes.get('mdat') ?? -1,
    frames: Number(out.streams[0]?.nb_read_packets ?? 0),
  };
}

/** Offsets of the top-level ISO BMFF boxes (first of each type). */
function topLevelBoxes(data: Buffer): Map<string, number> {
  const found = new Map<string, number>();
  let at = 0;
  while (at + 8 <= data.length) {
    let size = data.readUInt32BE(at);
    const type = data.toString('latin1', at + 4, at + 8);
    if (size === 1) size = Number(data.readBigUInt64BE(at + 8));
    if (!found.has(type)) found.set(type, at);
    if (size < 8) break;
    at += size;
  }
  return found;
}
