// Entry point of the web UI: applies the saved theme before the first paint, starts the data of a deep-linked
// workflow early, and mounts the app.
import { render } from 'preact';
import { prefetch, workflowViewPath } from './api';
import { App } from './app';
import { match } from './router';
import './styles.css';

const saved = localStorage.getItem('weir.theme');
document.documentElement.dataset.theme = saved ?? (matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light');
// A deep link to a workflow: its (possibly multi-megabyte) object is fetched while the page's chunk loads.
const wf = match('/workflows/:namespace/:name', location.pathname);
if (wf) prefetch(workflowViewPath(wf.namespace, wf.name));
const root = document.getElementById('app');
if (root) render(<App />, root);
