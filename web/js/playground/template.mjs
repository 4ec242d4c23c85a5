// template.mjs: one playground's markup. Nothing in it has an id: the parts find their elements
// by data-part inside the playground's root, so several playgrounds can share a page. Selects
// whose choices are the engine's names (optimizers, schedules, initializers) start empty and are
// filled from its catalog.

import { site } from '../site.mjs';

/** The playground's markup; `key` makes its radio group's name unique on the page. */
export function template({ key }) {
  return `
  <a class="skip" href="#" data-part="skip">Skip to the training controls</a>
  <header class="bar">
    <a class="brand" href="${site('index.html')}">dlplay</a>
    <span class="crumb" data-part="title"></span>
    <span data-part="engine-status" class="engine" aria-live="polite">loading engine…</span>
    <button data-part="share" type="button" class="secondary" data-control="share">Copy link</button>
  </header>
  <div data-part="notices" class="notices" role="status" aria-live="polite"></div>
  <div class="runbar" data-control="controls" role="toolbar" aria-label="Training">
    <div class="buttons">
      <button data-part="start" type="button" aria-keyshortcuts="k" title="Start, pause or resume training (key: k)">Start</button>
      <button data-part="step" type="button" class="secondary" aria-keyshortcuts="." title="train one batch (key: .)">Step</button>
      <button data-part="stop" type="button" class="secondary" disabled>Stop</button>
      <button data-part="reset" type="button" class="secondary" title="new weights">Reset</button>
    </div>
    <span data-part="start-why" class="note start-why" role="status"></span>
    <span data-part="busy" class="busy note" role="status" hidden>engine busy…</span>
    <label class="speed only-2d">Speed <select data-part="speed">
      <option value="slow">slow: 5 epochs/s</option>
      <option value="watch">watch: 30 epochs/s</option>
      <option value="fast">full speed</option>
    </select></label>
    <div data-part="progress" class="run-progress"></div>
    <span class="keys note">keys: <kbd>k</kbd> start/pause · <kbd>.</kbd> step</span>
    <p data-part="file-status" class="note run-status" role="status" aria-live="polite"></p>
  </div>

  <div class="layout">
    <section class="col config" aria-label="Configuration">
      <div class="card" data-control="data">
        <h2>Data</h2>
        <label class="row">Data set
          <select data-part="dataset">
            <option value="mnist">MNIST digits</option>
            <option value="fashion">Fashion-MNIST</option>
            <option value="spiral">2-D: spiral</option>
            <option value="xor">2-D: XOR</option>
            <option value="circles">2-D: circles</option>
            <option value="gaussians">2-D: Gaussian clusters</option>
            <option value="custom">2-D: your own points</option>
          </select>
        </label>
        <div class="only-2d">
          <label class="row">Noise <output data-part="noise-out"></output><input data-part="noise" type="range" min="0" max="0.5" step="0.01"></label>
          <label class="row">Training share <output data-part="ratio-out"></output><input data-part="ratio" type="range" min="0.1" max="0.9" step="0.05"></label>
          <fieldset class="only-custom points">
            <legend>Click the plot to add points of class</legend>
            <label><input type="radio" name="point-class-${key}" value="0" checked> orange</label>
            <label><input type="radio" name="point-class-${key}" value="1"> blue</label>
            <label><input type="radio" name="point-class-${key}" value="2"> green</label>
            <button data-part="clear-points" type="button" class="secondary">Clear points</button>
          </fieldset>
        </div>
        <p data-part="data-status" class="note" aria-live="polite"></p>
      </div>

      <div class="card" data-control="network">
        <h2>Network</h2>
        <label class="row">Preset
          <select data-part="preset">
            <option value="perceptron">Perceptron</option>
            <option value="mlp">MLP</option>
            <option value="lenet">LeNet</option>
            <option value="allconv">All-convolutional</option>
            <option value="resnet">Residual net</option>
            <option value="bndropout">Batch norm + dropout</option>
          </select>
        </label>
        <p data-part="preset-about" class="note"></p>
        <p class="note io" data-part="net-input"></p>
        <div data-part="layer-editor"></div>
        <p class="note io" data-part="net-output"></p>
        <p data-part="net-summary" class="summary" aria-live="polite"></p>
        <p data-part="net-estimate" class="note"></p>
      </div>

      <div class="card" data-control="training">
        <h2>Training</h2>
        <div class="grid2">
          <label>Optimizer <select data-part="optimizer"></select></label>
          <label>Learning rate <input data-part="lr" type="number" min="0.000001" max="10" step="any"></label>
          <label data-option="momentum">Momentum <input data-part="momentum" type="number" min="0" max="0.999" step="0.01"></label>
          <label data-option="beta1">β₁ <input data-part="beta1" type="number" min="0" max="0.999" step="0.01"></label>
          <label data-option="beta2">β₂ <input data-part="beta2" type="number" min="0" max="0.99999" step="0.001"></label>
          <label>LR schedule <select data-part="schedule"></select></label>
          <label>Warm-up steps <input data-part="warmup" type="number" min="0" max="100000" step="1"></label>
        </div>
        <div data-part="schedule-plot" class="schedule-plot" aria-label="learning rate over training"></div>
        <div class="grid2">
          <label>Batch size <input data-part="batch" type="number" min="1" max="1024" step="1"></label>
          <label>Epochs <input data-part="epochs" type="number" min="1" max="1000" step="1"></label>
        </div>
        <details class="more" data-part="more-settings">
        <summary>More: initializer, seed, regularization, early stopping, augmentation</summary>
        <div class="grid2">
          <label>Initializer <select data-part="init"></select></label>
          <label>Seed <input data-part="seed" type="number" min="0" step="1"></label>
          <label>L1 <input data-part="l1" type="number" min="0" max="1" step="0.0001"></label>
          <label>L2 <input data-part="l2" type="number" min="0" max="1" step="0.0001"></label>
          <label>Dropout after hidden dense layers <input data-part="dropout" type="number" min="0" max="0.9" step="0.05"></label>
          <label>Early stopping patience (0: off) <input data-part="patience" type="number" min="0" max="1000" step="1"></label>
        </div>
        <fieldset class="only-images">
          <legend>Augmentation</legend>
          <div class="grid3">
            <label>shift px <input data-part="shift" type="number" min="0" max="8" step="0.5"></label>
            <label>rotate ° <input data-part="rotate" type="number" min="0" max="45" step="1"></label>
            <label>zoom ± <input data-part="scale" type="number" min="0" max="0.5" step="0.05"></label>
            <label>crop <input data-part="crop" type="number" min="0" max="0.5" step="0.05"></label>
            <label>flip chance <input data-part="flip" type="number" min="0" max="1" step="0.1"></label>
            <label>cutout px <input data-part="cutout" type="number" min="0" max="16" step="1"></label>
            <label>noise σ <input data-part="pixelnoise" type="number" min="0" max="1" step="0.05"></label>
          </div>
        </fieldset>
        </details>
      </div>

      <div class="card" data-control="file">
        <h2>Model file</h2>
        <div class="buttons">
          <button data-part="save" type="button" class="secondary">Save model</button>
          <label class="filebtn secondary">Load model<input data-part="load" type="file" accept=".dlpm,application/octet-stream"></label>
        </div>
      </div>
    </section>

    <section class="col views" aria-label="What the network learns">
      <div class="card headline">
        <div><span class="big" data-part="test-accuracy">–</span><span class="note">test accuracy</span></div>
        <div><span class="big" data-part="test-loss">–</span><span class="note">test loss</span></div>
        <div><span class="big" data-part="epoch-count">0</span><span class="note">epochs</span></div>
      </div>
      <div class="card charts">
        <div data-part="loss-chart"></div>
        <div data-part="acc-chart"></div>
      </div>

      <div class="card only-2d" data-control="boundary">
        <h2>The network and its decision boundary</h2>
        <p class="note">Right: the class the network predicts at each point of the plane; filled dots are training points, hollow ones test points.</p>
        <div class="boundary-row"><div data-part="graph-2d" class="graph"></div><div data-part="boundary"></div></div>
      </div>

      <div class="card only-images" data-control="draw">
        <h2 data-part="draw-title">Draw a digit</h2>
        <div class="draw-row"><div data-part="draw"></div><div data-part="draw-probs"></div></div>
      </div>

      <div class="card only-images" data-control="layers">
        <h2>The network, layer by layer</h2>
        <div data-part="graph-images"></div>
      </div>

      <div class="card only-images" data-control="metrics">
        <h2>Test set: confusion matrix and per-class scores</h2>
        <p data-part="metrics-note" class="note"></p>
        <div data-part="confusion"></div>
      </div>

      <div class="card only-images" data-control="mistakes">
        <h2>Misclassified test images</h2>
        <p class="note">true → predicted; click one to inspect it below.</p>
        <div data-part="gallery"></div>
      </div>

      <div class="card only-images" data-control="inside">
        <h2>Inside the network</h2>
        <div class="inspect-row">
          <div><canvas data-part="inspect-image" class="inspect-image" width="112" height="112" aria-label="the image being inspected"></canvas>
            <button data-part="random-digit" type="button" class="secondary">Random test image</button></div>
          <p data-part="inspect-info" class="note" aria-live="polite"></p>
        </div>
        <h3>First-layer filters</h3>
        <p data-part="filters-note" class="note"></p>
        <div data-part="filters"></div>
        <h3>Feature maps</h3>
        <p data-part="maps-note" class="note"></p>
        <div data-part="maps"></div>
        <div data-part="cell-math" class="cell-math" aria-live="polite" hidden></div>
        <h3>Saliency: which pixels move the loss</h3>
        <div data-part="saliency"></div>
        <h3>Adversarial example (FGSM)</h3>
        <label class="row">ε <output data-part="fgsm-eps-out"></output><input data-part="fgsm-eps" type="range" min="0" max="0.5" step="0.01" value="0.1"></label>
        <div class="fgsm-row"><div data-part="fgsm-image"></div><div data-part="fgsm-probs"></div></div>
      </div>
    </section>
  </div>`;
}
