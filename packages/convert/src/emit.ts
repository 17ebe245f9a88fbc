/**
 * Trees → the attribute arrays of ai.onnx.ml TreeEnsembleRegressor.
 *
 * Every source split becomes a small comparison tree over its partition (./decision.ts): one
 * node for an ordinary numerical split, a balanced tree of `x < b` nodes when the decision has
 * several intervals (LightGBM categorical sets, missing type Zero). Each interval leads to the
 * child it belongs to, so a child subtree may be written more than once; `maxNodes` bounds that
 * growth. NaN is routed with nodes_missing_value_tracks_true towards an interval of its side.
 *
 * Nodes are written tree by tree, root first, with node ids 0, 1, 2, … per tree (the operator's
 * specification requires ids to start at 0 and increase by 1). Iterative (explicit stack), so
 * deep LightGBM chains cannot overflow the JS stack.
 */
import { cutComparison, partition, simpleSplit, type Partition } from './decision.js';
import { inputError, type TreeModel } from './model.js';

export interface EnsembleArrays {
  nodes_treeids: number[];
  nodes_nodeids: number[];
  nodes_featureids: number[];
  nodes_modes: string[];
  nodes_values: number[];
  nodes_truenodeids: number[];
  nodes_falsenodeids: number[];
  nodes_missing_value_tracks_true: number[];
  target_treeids: number[];
  target_nodeids: number[];
  target_ids: number[];
  target_weights: number[];
}

export const DEFAULT_MAX_NODES = 10_000_000;

/**
 * The work stack holds four numbers per entry: source node, parent branch index (-1 for the
 * root), 1 if the entry becomes the parent's true child, and an index into `ranges` (intervals
 * lo..hi of the node's partition still to be split) or -1 for the source node itself.
 */
interface Range {
  part: Partition;
  lo: number;
  hi: number;
}

export function emitEnsemble(model: TreeModel, maxNodes = DEFAULT_MAX_NODES): EnsembleArrays {
  const out: EnsembleArrays = {
    nodes_treeids: [], nodes_nodeids: [], nodes_featureids: [], nodes_modes: [], nodes_values: [],
    nodes_truenodeids: [], nodes_falsenodeids: [], nodes_missing_value_tracks_true: [],
    target_treeids: [], target_nodeids: [], target_ids: [], target_weights: [],
  };
  const scale = 1 / model.averageOver;
  const stack: number[] = [];
  const ranges: Range[] = [];
  model.trees.forEach((tree, treeId) => {
    let nextId = 0;
    const add = (feature: number, mode: string, value: number, nanTrue: boolean, parent: number, onTrue: number): number => {
      const index = out.nodes_nodeids.length;
      if (index >= maxNodes) {
        throw inputError(model.file, `tree ${tree.index}`, `the ONNX ensemble would exceed ${maxNodes} nodes (categorical or zero-as-missing splits copy subtrees); raise maxNodes or simplify the model`);
      }
      if (parent >= 0) (onTrue ? out.nodes_truenodeids : out.nodes_falsenodeids)[parent] = nextId;
      out.nodes_treeids.push(treeId);
      out.nodes_nodeids.push(nextId++);
      out.nodes_featureids.push(feature);
      out.nodes_modes.push(mode);
      out.nodes_values.push(value);
      out.nodes_truenodeids.push(0);
      out.nodes_falsenodeids.push(0);
      out.nodes_missing_value_tracks_true.push(nanTrue ? 1 : 0);
      return index;
    };
    const child = (node: number, left: boolean): number => (left ? tree.left[node]! : tree.right[node]!);
    ranges.length = 0;
    stack.push(0, -1, 1, -1);
    while (stack.length > 0) {
      const rangeIndex = stack.pop()!;
      const onTrue = stack.pop()!;
      const parent = stack.pop()!;
      const node = stack.pop()!;
      const feature = tree.feature[node]!;
      if (rangeIndex >= 0) {
        const { part, lo, hi } = ranges[rangeIndex]!;
        if (lo === hi) {
          stack.push(child(node, part.left[lo]!), parent, onTrue, -1);
          continue;
        }
        const mid = (lo + hi + 1) >> 1; // intervals lo..mid-1 lie below cut mid-1
        const { mode, value } = cutComparison(part.cuts[mid - 1]!);
        let nanTrue = false;
        for (let k = lo; k < mid; k += 1) if (part.left[k] === part.nanLeft) nanTrue = true;
        const index = add(feature, mode, value, nanTrue, parent, onTrue);
        ranges.push({ part, lo: mid, hi }, { part, lo, hi: mid - 1 });
        stack.push(node, index, 0, ranges.length - 2, node, index, 1, ranges.length - 1);
        continue;
      }
      if (tree.left[node] === -1) {
        add(0, 'LEAF', 0, false, parent, onTrue);
        out.target_treeids.push(treeId);
        out.target_nodeids.push(nextId - 1);
        out.target_ids.push(tree.target);
        out.target_weights.push(tree.value[node]! * scale);
        continue;
      }
      const simple = simpleSplit(tree, node);
      if (simple) {
        const index = add(feature, simple.mode, simple.value, simple.nanLeft, parent, onTrue);
        stack.push(tree.right[node]!, index, 0, -1, tree.left[node]!, index, 1, -1);
        continue;
      }
      const part = partition(tree, node);
      if (part.cuts.length === 0 && part.left[0] !== part.nanLeft) {
        // One side for every number, the other for NaN: `x <= +Infinity` is false only for NaN.
        const index = add(feature, 'BRANCH_LEQ', Number.POSITIVE_INFINITY, false, parent, onTrue);
        stack.push(child(node, part.nanLeft), index, 0, -1, child(node, part.left[0]!), index, 1, -1);
        continue;
      }
      ranges.push({ part, lo: 0, hi: part.cuts.length });
      stack.push(node, parent, onTrue, ranges.length - 1);
    }
  });
  return out;
}
