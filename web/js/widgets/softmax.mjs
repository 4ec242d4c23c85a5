// softmax.mjs: logits into probabilities. The engine computes softmax(z / T) and the
// cross-entropy with the chosen true class, and its backward pass gives the gradient on each
// logit, (p - y) / T: the true class is pushed up by 1 - p, every other class down by its p.
import { FLAGS } from '../../dlplay/dlplay.mjs';
import { createBarChart } from '../components/bar-chart.mjs';

const CLASSES = ['A', 'B', 'C', 'D', 'E'];

export default {
  kind: 'softmax',
  title: 'Softmax, temperature and cross-entropy',
  lede: 'Move the logits and the temperature: softmax turns the logits into probabilities. A low temperature sharpens them towards the largest logit; a high one flattens them towards uniform.',
  topic: 'Losses and softmax',
  params: [
    ...CLASSES.map((c, k) => ({ name: `z${c}`, type: 'number', min: -8, max: 8, step: 0.1, default: [2, 1, 0.5, -1, -2][k], label: `Logit of class ${c}`, control: 'range' })),
    { name: 'temperature', type: 'number', min: 0.05, max: 10, step: 0.05, default: 1, label: 'Temperature T', control: 'range' },
    { name: 'target', type: 'enum', values: CLASSES, default: 'A', label: 'True class (for the loss)', control: 'select' },
  ],
  parts: ['bars', 'table'],

  create(w) {
    const { engine } = w;
    const bars = createBarChart(w.figure('bars', 'softmax(z / T): the probabilities'), { labels: CLASSES.map((c) => `class ${c}`) });
    const tableBox = w.figure('table', 'Each logit, its probability and the gradient of the loss on it');
    const table = document.createElement('table');
    table.className = 'dl-table';
    tableBox.append(table);
    let last = null;

    // z -> z / T -> softmax, and the cross-entropy with the target, differentiated back to z
    // (a new graph per temperature: the scale op's factor is an attribute of the graph)
    let g = null;
    function update() {
      const s = w.state, logits = CLASSES.map((c) => s[`z${c}`]), k = CLASSES.indexOf(s.target);
      g?.dispose();
      g = engine.graph(s.seed);
      const z = g.input('z', [1, CLASSES.length]), label = g.input('label', [1]); // (one position of K logits)
      const scaled = g.op('scale', [z], { floats: [1 / s.temperature] });
      const p = g.op('softmax', [scaled]), loss = g.op('softmax_ce', [scaled, label]);
      g.plan(1).setBatch(1).setFlags(z, FLAGS.requiresGrad);
      g.setValue(z, logits).setValue(label, [k]);
      g.forward(p).forward(loss).backward(loss);
      const probs = g.value(p), ce = g.value(loss)[0], grad = g.grad(z);
      bars.update(probs);
      table.innerHTML = '<thead><tr><th scope="col">class</th><th scope="col">logit z</th><th scope="col">p</th><th scope="col">∂L/∂z</th></tr></thead>';
      const body = table.createTBody();
      CLASSES.forEach((c, i) => {
        const row = body.insertRow();
        if (i === k) row.className = 'target';
        for (const v of [`${c}${i === k ? ' (true)' : ''}`, logits[i].toFixed(1), probs[i].toFixed(3), grad[i].toFixed(3)]) row.insertCell().textContent = v;
      });
      const entropy = -probs.reduce((a, q) => a + (q > 0 ? q * Math.log(q) : 0), 0);
      last = { probabilities: [...probs], loss: ce, gradient: [...grad], entropy };
      w.summary(`T = ${s.temperature}: p(${s.target}) = ${probs[k].toFixed(3)}, cross-entropy −ln p = ${ce.toFixed(3)}, largest p = ${Math.max(...probs).toFixed(3)}, entropy ${entropy.toFixed(3)} nats (uniform: ${Math.log(CLASSES.length).toFixed(3)}).`);
    }
    update();
    return { update, results: () => last, destroy: () => (g?.dispose(), bars.destroy()) };
  },
};
