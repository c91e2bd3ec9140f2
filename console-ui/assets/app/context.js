// The translator and language, given to every page.
import { createContext } from '../vendor/preact.mjs';
import { useContext } from '../vendor/hooks.mjs';

/** `{ t, lang }` of the page. */
export const I18n = createContext({ t: (key) => key, lang: 'vi' });

/** The page's translator and language. */
export const useI18n = () => useContext(I18n);
