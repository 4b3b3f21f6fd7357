import { render } from 'preact';
import { prefetch } from './api';
import { App } from './app';
import { OVERVIEW_AGENTS, OVERVIEW_PATH } from './pages/overview';
import './styles.css';

// The overview's answers are asked for before the first render (the page's first paint is the numbers).
prefetch('/api/v1/ui/config');
if (location.hash === '' || location.hash === '#/' || location.hash === '#') {
  prefetch(OVERVIEW_PATH);
  prefetch(OVERVIEW_AGENTS);
}

const root = document.getElementById('app');
if (root) render(<App />, root);
