"""An independent OpenCV implementation of GFPGAN's reference face pipeline (facexlib FaceRestoreHelper with the
square soft mask, use_parse=False), used by test/parity.test.ts to check the TypeScript engine against real OpenCV.

It is written from ../shared/docs/reference-pipeline.md §3 (align_warp_face, get_inverse_affine,
paste_faces_to_input_image path B), not copied from facexlib. Given an image, the engine's landmarks and (optionally)
the engine's restored faces, it writes the crops and the composite the reference would produce.

usage: gfpgan_reference.py <image> <faces.json> <scale> <out_dir> [<restored_dir>]
  Without <restored_dir> the "model" is the identity (restored face = crop), so the whole chain is independent.
Writes <out_dir>/crop_NN.png, <out_dir>/composite.png (uint8, truncated as facexlib does) and
<out_dir>/composite.f32 (float32 HWC BGR before the final cast).
"""
import json
import os
import sys

import cv2
import numpy as np

TEMPLATE = np.array([[192.98138, 239.94708], [318.90277, 240.19360], [256.63416, 314.01935],
                     [201.26117, 371.41043], [313.08905, 371.15118]], np.float32)


def main(image_path, faces_path, scale, out_dir, restored_dir=None):
    img = cv2.imread(image_path, cv2.IMREAD_COLOR)
    faces = json.load(open(faces_path))
    h, w = img.shape[:2]
    h_up, w_up = int(h * scale), int(w * scale)
    out = cv2.resize(img, (w_up, h_up), interpolation=cv2.INTER_LANCZOS4) if scale != 1 else img.copy()
    out = out.astype(np.float32)
    base = os.path.splitext(os.path.basename(image_path))[0]
    for i, face in enumerate(faces):
        lm = np.array(face['landmarks'], np.float32)
        affine = cv2.estimateAffinePartial2D(lm, TEMPLATE, method=cv2.LMEDS)[0]
        crop = cv2.warpAffine(img, affine, (512, 512), borderMode=cv2.BORDER_CONSTANT, borderValue=(135, 133, 132))
        cv2.imwrite(os.path.join(out_dir, 'crop_%02d.png' % i), crop)
        if restored_dir:
            restored = cv2.imread(os.path.join(restored_dir, '%s_%02d.png' % (base, i)), cv2.IMREAD_COLOR)
        else:
            restored = crop
        inv = cv2.invertAffineTransform(affine) * scale
        if scale > 1:
            inv[:, 2] += 0.5 * scale
        inv_restored = cv2.warpAffine(restored, inv, (w_up, h_up))
        inv_mask = cv2.warpAffine(np.ones((512, 512), np.float32), inv, (w_up, h_up))
        erosion = cv2.erode(inv_mask, np.ones((int(2 * scale), int(2 * scale)), np.uint8))
        pasted = erosion[:, :, None] * inv_restored
        w_edge = int(np.sum(erosion) ** 0.5) // 20
        center = cv2.erode(erosion, np.ones((w_edge * 2, w_edge * 2), np.uint8))
        soft = cv2.GaussianBlur(center, (w_edge * 2 + 1, w_edge * 2 + 1), 0)[:, :, None]
        out = soft * pasted + (1 - soft) * out
        cv2.imwrite(os.path.join(out_dir, 'mask_%02d.png' % i), np.clip(soft[:, :, 0] * 255, 0, 255).astype(np.uint8))
    out.astype(np.float32).tofile(os.path.join(out_dir, 'composite.f32'))
    cv2.imwrite(os.path.join(out_dir, 'composite.png'), out.astype(np.uint8))
    print(json.dumps({'width': w_up, 'height': h_up, 'faces': len(faces)}))


if __name__ == '__main__':
    a = sys.argv[1:]
    main(a[0], a[1], int(a[2]), a[3], a[4] if len(a) > 4 else None)
