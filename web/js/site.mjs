// site.mjs: where dlplay's own files are. Pages may sit anywhere (a course page that embeds a
// playground is on the teacher's site), so data sets and links to dlplay's pages are found
// from this module's address, never from the page's.
const ROOT = new URL('../', import.meta.url);

/** The address of a file of the dlplay site, e.g. site('data/mnist-train.dlds.gz'). */
export const site = (path) => new URL(path, ROOT).href;
