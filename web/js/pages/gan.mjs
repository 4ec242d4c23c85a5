// The GAN page: one studio (studio/gan.mjs), its settings in the URL.
import { createGanPage } from '../studio/gan.mjs';

createGanPage(document.querySelector('[data-page-gan]'), { worker: window.dlplayWorker });
