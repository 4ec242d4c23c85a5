// playground.mjs: the playground page: one playground filling the page (web/js/playground/),
// its settings in the URL hash, its engine in the worker that the page's bootstrap script
// started while the HTML was still arriving.
import { createPlayground } from '../playground/index.mjs';

createPlayground(document.querySelector('[data-page-playground]'), { worker: window.dlplayWorker, url: true });
