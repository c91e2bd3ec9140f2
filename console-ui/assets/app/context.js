// The translator and language, given to every page.
import { createContext } from 'preact';
import { useContext } from 'preact/hooks';

/** `{ t, lang }` of the page. */
export const I18n = createContext({ t: (key) => key, lang: 'vi' });

/** The page's translator and language. */
export const useI18n = () => useContext(I18n);
