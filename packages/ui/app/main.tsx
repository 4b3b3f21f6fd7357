import { render } from 'preact';
import { prefetch } from './api';
import { App } from './app';
import { OVERVIEW_AGENTS, OVERVIEW_PATH } from './pages/overview';
import { tasksUrl } from './pages/tasks';
import { parseRoute } from './router';
import './styles.css';

// The first page's answers are asked for before the first render (its first paint is its data).
prefetch('/api/v1/ui/config');
const first = parseRoute(location.hash);
if (first.path.length === 0) {
  prefetch(OVERVIEW_PATH);
  prefetch(OVERVIEW_AGENTS);
} else if (first.path[0] === 'tasks' && first.path.length === 1) {
  prefetch(tasksUrl(first.params));
}

const root = document.getElementById('app');
if (root) render(<App />, root);
