// The VAE page: one studio (studio/vae.mjs), its settings in the URL.
import { createVaePage } from '../studio/vae.mjs';

createVaePage(document.querySelector('[data-page-vae]'), { worker: window.dlplayWorker });
