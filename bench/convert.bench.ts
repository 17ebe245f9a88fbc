/**
 * XGBoost JSON → ONNX for a 1,000-tree, depth-8 binary:logistic model (~31 MB of JSON, ~486k
 * nodes). Target: ≤ 1 s from the model's text to ONNX bytes. Baseline in the same run: JSON.parse
 * of the same text, which the conversion includes.
 *
 * The model is trained once by python3-xgboost when `/usr/bin/python3 -c 'import xgboost'` works
 * (~1.5 min on 2 cores) and cached as bench/out/xgb-1000x8.json; otherwise an equivalent synthetic
 * model (same layout, full depth-8 trees) is generated here (MODELGATE_BENCH_SYNTHETIC=1 forces
 * it). Nothing is committed.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { convertTreeModel, encodeOnnx } from '@modelgate/convert';
import { encodeModel } from '@modelgate/onnx';
import { measure, type Bench } from './harness.js';

const out = join(import.meta.dirname, 'out');
const TREES = 1000;
const DEPTH = 8;
const FEATURES = 20;

const TRAIN = `
import sys, numpy as np, xgboost as xgb
rng = np.random.RandomState(0)
X = rng.rand(50000, ${FEATURES}).astype(np.float32)
y = (np.sin(X[:, :10] * 6).sum(1) + X[:, 10:] @ rng.randn(${FEATURES - 10}) + rng.randn(50000) * 0.5 > 0).astype(np.float32)
params = {"objective": "binary:logistic", "max_depth": ${DEPTH}, "eta": 0.1, "tree_method": "hist", "min_child_weight": 0, "lambda": 0.0, "nthread": 2, "seed": 0}
xgb.train(params, xgb.DMatrix(X, label=y), ${TREES}).save_model(sys.argv[1])
`;

function hasXGBoost(): boolean {
  return spawnSync('/usr/bin/python3', ['-c', 'import xgboost'], { stdio: 'ignore' }).status === 0;
}

/** Full binary trees of the given depth in XGBoost 1.7's JSON layout (breadth-first node ids). */
function syntheticModel(): string {
  let seed = 1;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  const nodes = 2 ** (DEPTH + 1) - 1;
  const internal = 2 ** DEPTH - 1;
  const trees = Array.from({ length: TREES }, (_, id) => {
    const ids = Array.from({ length: nodes }, (_, i) => i);
    return {
      base_weights: ids.map(() => Math.fround(random() - 0.5)),
      categories: [], categories_nodes: [], categories_segments: [], categories_sizes: [],
      default_left: ids.map((i) => (i < internal ? Math.round(random()) : 0)),
      id,
      left_children: ids.map((i) => (i < internal ? 2 * i + 1 : -1)),
      loss_changes: ids.map((i) => (i < internal ? Math.fround(random() * 100) : 0)),
      parents: ids.map((i) => (i === 0 ? 2147483647 : (i - 1) >> 1)),
      right_children: ids.map((i) => (i < internal ? 2 * i + 2 : -1)),
      split_conditions: ids.map((i) => Math.fround(i < internal ? random() : (random() - 0.5) * 0.2)),
      split_indices: ids.map((i) => (i < internal ? Math.floor(random() * FEATURES) : 0)),
      split_type: ids.map(() => 0),
      sum_hessian: ids.map(() => Math.fround(random() * 1000)),
      tree_param: { num_deleted: '0', num_feature: String(FEATURES), num_nodes: String(nodes), size_leaf_vector: '0' },
    };
  });
  return JSON.stringify({
    learner: {
      attributes: {},
      feature_names: [],
      feature_types: [],
      gradient_booster: { model: { gbtree_model_param: { num_parallel_tree: '1', num_trees: String(TREES), size_leaf_vector: '0' }, tree_info: trees.map(() => 0), trees }, name: 'gbtree' },
      learner_model_param: { base_score: '5E-1', boost_from_average: '1', num_class: '0', num_feature: String(FEATURES), num_target: '1' },
      objective: { name: 'binary:logistic', reg_loss_param: { scale_pos_weight: '1' } },
    },
    version: [1, 7, 4],
  });
}

function modelFile(): { file: string; source: string } {
  mkdirSync(out, { recursive: true });
  const trained = join(out, `xgb-${TREES}x${DEPTH}.json`);
  const forceSynthetic = process.env['MODELGATE_BENCH_SYNTHETIC'] === '1';
  if (existsSync(trained) && !forceSynthetic) return { file: trained, source: 'xgboost' };
  if (!forceSynthetic && hasXGBoost()) {
    const partial = `${trained}.partial`;
    execFileSync('/usr/bin/python3', ['-c', TRAIN, partial], { stdio: 'inherit', env: { ...process.env, OMP_NUM_THREADS: '2' } });
    renameSync(partial, trained);
    return { file: trained, source: 'xgboost' };
  }
  const synthetic = join(out, `xgb-${TREES}x${DEPTH}-synthetic.json`);
  if (!existsSync(synthetic)) writeFileSync(synthetic, syntheticModel());
  return { file: synthetic, source: 'synthetic' };
}

export const convertBench: Bench = {
  name: `convert XGBoost JSON → ONNX (${TREES} trees, depth ${DEPTH})`,
  async run() {
    const { file, source } = modelFile();
    const text = readFileSync(file, 'utf8');
    const megabytes = Buffer.byteLength(text) / 1e6;
    const runs = 7;
    const baseline = await measure('JSON.parse of the model text (baseline)', runs, () => void JSON.parse(text));
    baseline.figures = { json_mb: megabytes, 'MB/s': megabytes / (baseline.medianMs / 1000) };
    let bytes: Uint8Array = new Uint8Array();
    let nodes = 0;
    let trees = 0;
    const convert = await measure(`text → ONNX bytes (${source} model)`, runs, () => {
      const conversion = convertTreeModel(text, { file });
      bytes = encodeOnnx(conversion.model);
      nodes = conversion.info.ensembleNodes;
      trees = conversion.info.trees;
    });
    convert.baseline = baseline.name;
    convert.figures = { trees, onnx_nodes: nodes, onnx_mb: bytes.byteLength / 1e6, 'MB/s': megabytes / (convert.medianMs / 1000) };
    const protobufjs = await measure('text → ONNX bytes with protobufjs encodeModel (for comparison)', 3, () => {
      bytes = encodeModel(convertTreeModel(text, { file }).model);
    });
    protobufjs.baseline = baseline.name;
    protobufjs.figures = { onnx_mb: bytes.byteLength / 1e6 };
    return [baseline, convert, protobufjs];
  },
};
