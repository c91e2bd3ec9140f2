// Small hooks shared by the pages: load JSON from the API, load an image with the token.
import { useEffect, useState } from '../vendor/hooks.mjs';
import { getImage, getJson } from './api.js';

/** `{data, error, reload}` for a JSON URL (reloaded when the URL changes; every `everyMs` when given). */
export function useJson(url, everyMs = 0) {
  const [state, setState] = useState({ data: undefined, error: undefined });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    if (!url) return undefined;
    const ctrl = new AbortController();
    getJson(url, ctrl.signal).then(
      (data) => setState({ data, error: undefined }),
      (error) => ctrl.signal.aborted || setState((s) => ({ data: s.data, error })),
    );
    const timer = everyMs > 0 ? setTimeout(() => setTick((n) => n + 1), everyMs) : undefined;
    return () => {
      ctrl.abort();
      clearTimeout(timer);
    };
  }, [url, tick]);
  return { ...state, reload: () => setTick((n) => n + 1) };
}

/** A decoded image (HTMLImageElement) fetched with the token, or undefined; `version` forces a reload. */
export function useImage(url, version = 0) {
  const [img, setImg] = useState({ img: undefined, error: undefined });
  useEffect(() => {
    if (!url) return undefined;
    const ctrl = new AbortController();
    getImage(url, ctrl.signal).then(
      (value) => setImg({ img: value, error: undefined }),
      (error) => ctrl.signal.aborted || setImg({ img: undefined, error }),
    );
    return () => ctrl.abort();
  }, [url, version]);
  return img;
}
