// The console's shell: token adoption, language, navigation (hash routes: #/cameras, #/live/<camera>,
// #/editor/<camera>, #/incidents, #/counts) and the page for the route.
import { render } from '../vendor/preact.mjs';
import { useEffect, useState } from '../vendor/hooks.mjs';
import { html } from './html.js';
import { adoptTokenFromFragment, currentToken } from './api.js';
import { initialLanguage, rememberLanguage, translator } from './i18n.js';
import { I18n } from './context.js';
import { CamerasPage } from './pages/cameras.js';
import { LivePage } from './pages/live.js';
import { EditorPage } from './pages/editor.js';
import { IncidentsPage } from './pages/incidents.js';
import { CountsPage } from './pages/counts.js';

adoptTokenFromFragment();

function parseRoute(hash) {
  const [page = 'cameras', ...rest] = hash.replace(/^#\/?/, '').split('/').map(decodeURIComponent);
  return { page: page || 'cameras', arg: rest.join('/') };
}

function useRoute() {
  const [route, setRoute] = useState(parseRoute(location.hash));
  useEffect(() => {
    const onHash = () => setRoute(parseRoute(location.hash));
    addEventListener('hashchange', onHash);
    return () => removeEventListener('hashchange', onHash);
  }, []);
  return route;
}

const NAV = [
  ['cameras', 'nav.cameras'],
  ['live', 'nav.live'],
  ['editor', 'nav.editor'],
  ['incidents', 'nav.incidents'],
  ['counts', 'nav.counts'],
];

function App() {
  const [lang, setLang] = useState(initialLanguage());
  const route = useRoute();
  const t = translator(lang);
  useEffect(() => {
    document.documentElement.lang = lang;
    document.title = t('app.title');
  }, [lang]);
  const switchLanguage = () => {
    const next = lang === 'vi' ? 'en' : 'vi';
    rememberLanguage(next);
    setLang(next);
  };
  const Page = { cameras: CamerasPage, live: LivePage, editor: EditorPage, incidents: IncidentsPage, counts: CountsPage }[route.page] ?? CamerasPage;
  return html`<${I18n.Provider} value=${{ t, lang }}>
    <header class="top">
      <strong class="brand">camwatch</strong>
      <nav>
        ${NAV.map(([page, key]) => html`<a href=${`#/${page}${route.arg && (page === 'live' || page === 'editor') ? `/${encodeURIComponent(route.arg)}` : ''}`}
          class=${route.page === page ? 'active' : ''} data-nav=${page}>${t(key)}</a>`)}
      </nav>
      <button type="button" class="lang" data-testid="lang-switch" title=${t('lang.label')} onClick=${switchLanguage}>${t('lang.switch')}</button>
    </header>
    <main>
      ${currentToken() ? '' : html`<p class="error" role="alert">${t('auth.missing')}</p>`}
      <${Page} arg=${route.arg} key=${`${route.page}/${route.arg}`} />
    </main>
  <//>`;
}

render(html`<${App} />`, document.getElementById('app'));
