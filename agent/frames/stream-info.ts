/**
 * Reads stream sizes from ffmpeg's stderr header. The output line gives the exact frame size on stdout
 * (`scale=W:-2` rounds the height, and a non-square pixel aspect changes it, so computing it from the
 * input size is a guess); the input line gives the camera's own resolution and codec.
 *
 *   Input #0, rtsp, from 'rtsp://…':
 *     Stream #0:0: Video: h264 (High), yuvj420p(pc, bt709, progressive), 1920x1080, 25 fps, …
 *   Output #0, rawvideo, to 'pipe:1':
 *     Stream #0:0: Video: rawvideo (RGB[24] / 0x18424752), rgb24(pc, gbr/…, progressive), 640x360, q=2-31, …
 */
export interface StreamInfo {
  /** Codec of the camera stream, e.g. `h264`, `hevc`. */
  codec?: string;
  sourceWidth?: number;
  sourceHeight?: number;
  /** The camera stream's frame rate (its `fps`, else its `tbr`): what non-reference frame skipping is decided on. */
  sourceFps?: number;
  /** Size of the RGB24 frames ffmpeg writes. */
  width?: number;
  height?: number;
}

const SECTION = /^(Input|Output) #\d+,/;
const VIDEO_STREAM = /^\s*Stream #\d+:\d+.*?: Video: (\w+)/;
// `, 1018x720 [SAR …` / `, 640x452,` — the first WxH after the pixel format; `0x18424752` (a codec
// tag) never matches because it follows "/ ", not ", ".
const SIZE = /, (\d{1,5})x(\d{1,5})(?=[ ,\[]|$)/;
// `, 25 fps, 25 tbr, 90k tbn` (the tbr stands in when a stream states no fps); `1k fps` style values are not frame rates here.
const FPS = /, (\d+(?:\.\d+)?) fps(?=,|$)/;
const TBR = /, (\d+(?:\.\d+)?) tbr(?=,|$)/;

/** Feed it every stderr line; `accept` returns the fields a line added, if any. */
export class StreamInfoParser {
  private section: 'input' | 'output' | undefined;
  private readonly info: StreamInfo = {};

  accept(line: string): Partial<StreamInfo> | undefined {
    const section = SECTION.exec(line);
    if (section) {
      this.section = section[1] === 'Input' ? 'input' : 'output';
      return undefined;
    }
    const video = VIDEO_STREAM.exec(line);
    if (!video || this.section === undefined) return undefined;
    const size = SIZE.exec(line);
    const width = size ? Number(size[1]) : undefined;
    const height = size ? Number(size[2]) : undefined;
    if (this.section === 'input' && this.info.codec === undefined) {
      const rate = FPS.exec(line) ?? TBR.exec(line);
      const fps = rate ? Number(rate[1]) : undefined;
      this.info.codec = video[1];
      this.info.sourceWidth = width;
      this.info.sourceHeight = height;
      if (fps !== undefined && fps > 0) this.info.sourceFps = fps;
      return { codec: video[1], sourceWidth: width, sourceHeight: height, ...(this.info.sourceFps !== undefined && { sourceFps: this.info.sourceFps }) };
    }
    if (this.section === 'output' && this.info.width === undefined && video[1] === 'rawvideo' && width && height) {
      this.info.width = width;
      this.info.height = height;
      return { width, height };
    }
    return undefined;
  }

  current(): StreamInfo {
    return { ...this.info };
  }
}
