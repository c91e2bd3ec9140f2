/**
 * PP-PicoDet (PaddleDetection's legacy 2021.10 models, e.g. picodet_s_320_coco) exported without post-processing
 * has the NanoDet GFL outputs, so `decodeNanodet` decodes it: per level a class-score tensor [1,N,C] with the
 * sigmoid already in the graph (PicoHead.forward(deploy=True)) and a distance tensor [1,N,4*(regMax+1)] of raw
 * logits, regMax 7, cell centres ((gx+0.5)s, (gy+0.5)s) (cell_offset 0.5 in upstream picodet_esnet.yml).
 * What differs is one more pyramid level and the input, both data in the manifest entry:
 * - four strides instead of three (fpn_stride [8, 16, 32, 64]);
 * - RGB, ImageNet mean/std on 0..255, stretched to the input without keeping the aspect ratio (upstream
 *   picodet_320_reader.yml: Resize keep_ratio False, NormalizeImage is_scale with mean [0.485,0.456,0.406]).
 * The Paddle export names its outputs save_infer_model/scale_K.tmp_1 (classes first, then distances), so the
 * outputs are bound by shape, not name.
 */
export const PICODET_STRIDES_PX: readonly number[] = [8, 16, 32, 64];
