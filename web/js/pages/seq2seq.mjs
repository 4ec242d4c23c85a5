// The seq2seq tab of the text page: one studio (studio/seq2seq.mjs), its settings in the URL.
import { createSeq2seqPage } from '../studio/seq2seq.mjs';

createSeq2seqPage(document.querySelector('[data-page-seq2seq]'), { worker: window.dlplayWorker });
