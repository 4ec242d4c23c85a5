// The text page: one studio (studio/text.mjs), its settings in the URL.
import { createTextPage } from '../studio/text.mjs';

createTextPage(document.querySelector('[data-page-text]'), { worker: window.dlplayWorker });
