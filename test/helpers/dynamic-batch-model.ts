/**
 * Makes a copy of an ONNX model whose batch dimension is dynamic, so tests can run real batches (no
 * shipped model has one). Edits the protobuf bytes in place, each edit the same length as what it
 * replaces, so no length prefix (of the graph, node, tensor…) has to be rewritten and no protobuf
 * library is needed: a wire-format walker finds the bytes, nothing is re-encoded.
 *
 * Edits (fields from onnx.proto):
 * - graph inputs fed by the caller and graph outputs: first Dimension `08 01` (dim_value 1) becomes
 *   `1a 00` (empty denotation). A dimension with neither value nor param is unknown: any batch goes.
 * - value_info (shapes the exporter recorded for intermediate tensors): the same edit wherever the first
 *   dimension is 1. Left alone, ORT takes them as the output's shape and warns on every batched run; an
 *   unknown dimension only drops a hint, so unfixing one that is not a batch is harmless.
 * - int64 shape initializers of Reshape nodes starting with 1 (e.g. [1, 85, -1]): the 1 becomes 0,
 *   which Reshape reads as "copy this dimension from the input", i.e. the batch.
 * Enough for graphs whose other ops are batch-agnostic (YOLOX: Conv, spatial Slice, Resize, Concat,
 * Transpose); a graph that bakes the batch in elsewhere fails at run time, which the caller checks.
 */
import { readFileSync, writeFileSync } from 'node:fs';

/** One field of a message: tag at `at`, payload in [start, end) (the varint itself for wire type 0). */
interface Field {
  no: number;
  wire: number;
  at: number;
  start: number;
  end: number;
}

const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_LEN = 2;
const WIRE_FIXED32 = 5;
const INT64 = 7; // TensorProto.DataType

function readVarint(buf: Buffer, pos: number): { value: number; next: number } {
  let value = 0;
  let mul = 1;
  for (let i = pos; i < buf.length && i < pos + 10; i++) {
    const b = buf[i]!;
    value += (b & 0x7f) * mul; // lengths and field numbers fit in a double; large int64 values lose precision, unused
    mul *= 128;
    if ((b & 0x80) === 0) return { value, next: i + 1 };
  }
  throw new Error(`malformed varint at byte ${pos}`);
}

/** Top-level fields of the message in buf[start, end). */
function fields(buf: Buffer, start: number, end: number): Field[] {
  const out: Field[] = [];
  let pos = start;
  while (pos < end) {
    const at = pos;
    const tag = readVarint(buf, pos);
    const no = Math.floor(tag.value / 8);
    const wire = tag.value & 7;
    pos = tag.next;
    let s = pos;
    switch (wire) {
      case WIRE_VARINT: pos = readVarint(buf, pos).next; break;
      case WIRE_FIXED64: pos += 8; break;
      case WIRE_FIXED32: pos += 4; break;
      case WIRE_LEN: {
        const len = readVarint(buf, pos);
        s = len.next;
        pos = len.next + len.value;
        break;
      }
      default: throw new Error(`unsupported wire type ${wire} (field ${no}) at byte ${at}`);
    }
    if (pos > end) throw new Error(`field ${no} at byte ${at} runs past its message (byte ${end})`);
    out.push({ no, wire, at, start: s, end: pos });
  }
  return out;
}

const sub = (buf: Buffer, f: Field): Field[] => fields(buf, f.start, f.end);
const only = (fs: Field[], no: number): Field[] => fs.filter((f) => f.no === no && f.wire === WIRE_LEN);
const text = (buf: Buffer, f: Field | undefined): string | undefined => (f === undefined ? undefined : buf.toString('utf8', f.start, f.end));

/** The first Dimension of a ValueInfoProto's tensor shape, if it has one. */
function firstDim(buf: Buffer, valueInfo: Field): Field | undefined {
  const type = only(sub(buf, valueInfo), 2)[0];
  const tensor = type && only(sub(buf, type), 1)[0];
  const shape = tensor && only(sub(buf, tensor), 2)[0];
  return shape && only(sub(buf, shape), 1)[0];
}

/** Turns a first dimension `dim_value: 1` into an unknown one; false when the first dimension is anything else. */
function unfixBatch(buf: Buffer, valueInfo: Field): boolean {
  const dim = firstDim(buf, valueInfo);
  if (dim === undefined || dim.end - dim.start !== 2 || buf[dim.start] !== 0x08 || buf[dim.start + 1] !== 0x01) return false;
  buf[dim.start] = 0x1a; // field 3 (denotation), length-delimited
  buf[dim.start + 1] = 0x00; // empty
  return true;
}

/** unfixBatch, or a clear error naming the graph input/output that does not have a batch of 1. */
function mustUnfixBatch(buf: Buffer, valueInfo: Field, what: string): void {
  if (unfixBatch(buf, valueInfo)) return;
  const dim = firstDim(buf, valueInfo);
  throw new Error(dim === undefined ? `${what} has no shape dimensions`
    : `${what}: first dimension is not dim_value 1 (bytes ${buf.toString('hex', dim.start, dim.end)})`);
}

/** Sets element 0 of an int64 TensorProto from 1 to 0; false when it is not int64 or does not start with 1. */
function zeroLeadingOne(buf: Buffer, tensor: Field): boolean {
  const fs = sub(buf, tensor);
  const type = fs.find((f) => f.no === 2 && f.wire === WIRE_VARINT);
  if (type === undefined || readVarint(buf, type.start).value !== INT64) return false;
  const raw = only(fs, 9)[0];
  if (raw !== undefined) {
    // 8 little-endian bytes per element.
    if (raw.end - raw.start < 8 || buf[raw.start] !== 1 || buf.subarray(raw.start + 1, raw.start + 8).some((b) => b !== 0)) return false;
    buf[raw.start] = 0;
    return true;
  }
  const data = fs.find((f) => f.no === 7); // int64_data: packed (one LEN field) or one varint per element
  if (data === undefined || data.start >= data.end || buf[data.start] !== 0x01) return false;
  buf[data.start] = 0x00;
  return true;
}

/** Writes to outPath a copy of the model at srcPath with a dynamic batch dimension (see the file comment). */
export function makeDynamicBatchModel(srcPath: string, outPath: string): void {
  const buf = readFileSync(srcPath);
  let top: Field[];
  try {
    top = fields(buf, 0, buf.length);
  } catch (err) {
    throw new Error(`${srcPath} is not an ONNX model: ${(err as Error).message}`);
  }
  const graphs = only(top, 7);
  if (graphs.length !== 1) throw new Error(`${srcPath}: expected one graph (ModelProto field 7), found ${graphs.length}`);
  const graph = sub(buf, graphs[0]!);

  const initializers = new Map<string, Field>();
  for (const init of only(graph, 5)) {
    const name = text(buf, only(sub(buf, init), 8)[0]);
    if (name !== undefined) initializers.set(name, init);
  }

  // Shape inputs of Reshape nodes (input[1]) that are initializers.
  const shapeNames = new Set<string>();
  for (const node of only(graph, 1)) {
    const nf = sub(buf, node);
    if (text(buf, only(nf, 4)[0]) !== 'Reshape') continue;
    const shape = text(buf, only(nf, 1)[1]);
    if (shape !== undefined && initializers.has(shape)) shapeNames.add(shape);
  }
  let reshapes = 0;
  for (const name of shapeNames) if (zeroLeadingOne(buf, initializers.get(name)!)) reshapes++;
  if (reshapes === 0) throw new Error(`${srcPath}: no Reshape shape initializer starting with batch 1 found`);

  // Older exports list initializers among the graph inputs too; only the others are fed by the caller.
  const inputs = only(graph, 11).filter((vi) => !initializers.has(text(buf, only(sub(buf, vi), 1)[0]) ?? ''));
  if (inputs.length === 0) throw new Error(`${srcPath}: graph has no input besides initializers`);
  for (const vi of inputs) mustUnfixBatch(buf, vi, `${srcPath}: input "${text(buf, only(sub(buf, vi), 1)[0])}"`);
  const outputs = only(graph, 12);
  if (outputs.length === 0) throw new Error(`${srcPath}: graph has no output`);
  for (const vi of outputs) mustUnfixBatch(buf, vi, `${srcPath}: output "${text(buf, only(sub(buf, vi), 1)[0])}"`);
  for (const vi of only(graph, 13)) unfixBatch(buf, vi);

  writeFileSync(outPath, buf);
}
