// Entry point of the web UI: applies the saved theme before the first paint and mounts the app.
import { render } from 'preact';
import { App } from './app';
import './styles.css';

const saved = localStorage.getItem('weir.theme');
document.documentElement.dataset.theme = saved ?? (matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light');
const root = document.getElementById('app');
if (root) render(<App />, root);
