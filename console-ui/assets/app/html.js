// htm bound to preact's h: JSX-like templates with no build step.
import { h } from '../vendor/preact.mjs';
import htm from '../vendor/htm.mjs';

/** Tagged template that builds preact elements. */
export const html = htm.bind(h);
