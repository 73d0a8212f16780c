// Chainable methods (TF.js style): t.add(b).relu().sum().
import type { DType } from '../kernels/backend.js';
import { Tensor } from './tensor.js';
import * as ew from './ops/elementwise.js';
import { gather } from './ops/gather.js';
import { matMul } from './ops/matmul.js';
import { broadcastTo, concat, reshape, reverse, slice, transpose } from './ops/movement.js';
import { max, mean, sum } from './ops/reduce.js';

type Operand = ew.Operand;

declare module './tensor.js' {
  interface Tensor {
    add(b: Operand): Tensor;
    sub(b: Operand): Tensor;
    mul(b: Operand): Tensor;
    div(b: Operand): Tensor;
    maximum(b: Operand): Tensor;
    minimum(b: Operand): Tensor;
    greater(b: Operand): Tensor;
    less(b: Operand): Tensor;
    equal(b: Operand): Tensor;
    neg(): Tensor;
    exp(): Tensor;
    log(): Tensor;
    sqrt(): Tensor;
    square(): Tensor;
    abs(): Tensor;
    relu(): Tensor;
    sigmoid(): Tensor;
    tanh(): Tensor;
    pow(exponent: number): Tensor;
    clipByValue(min: number, max: number): Tensor;
    cast(dtype: DType): Tensor;
    matMul(b: Tensor, transposeA?: boolean, transposeB?: boolean): Tensor;
    sum(axis?: number | number[], keepDims?: boolean): Tensor;
    mean(axis?: number | number[], keepDims?: boolean): Tensor;
    max(axis?: number | number[], keepDims?: boolean): Tensor;
    reshape(shape: readonly number[]): Tensor;
    transpose(perm?: readonly number[]): Tensor;
    slice(begin: readonly number[], size?: readonly number[]): Tensor;
    reverse(axis: number | number[]): Tensor;
    broadcastTo(shape: readonly number[]): Tensor;
    concat(others: Tensor | Tensor[], axis?: number): Tensor;
    gather(indices: Tensor): Tensor;
  }
}

const P = Tensor.prototype;
P.add = function (b) { return ew.add(this, b); };
P.sub = function (b) { return ew.sub(this, b); };
P.mul = function (b) { return ew.mul(this, b); };
P.div = function (b) { return ew.div(this, b); };
P.maximum = function (b) { return ew.maximum(this, b); };
P.minimum = function (b) { return ew.minimum(this, b); };
P.greater = function (b) { return ew.greater(this, b); };
P.less = function (b) { return ew.less(this, b); };
P.equal = function (b) { return ew.equal(this, b); };
P.neg = function () { return ew.neg(this); };
P.exp = function () { return ew.exp(this); };
P.log = function () { return ew.log(this); };
P.sqrt = function () { return ew.sqrt(this); };
P.square = function () { return ew.square(this); };
P.abs = function () { return ew.abs(this); };
P.relu = function () { return ew.relu(this); };
P.sigmoid = function () { return ew.sigmoid(this); };
P.tanh = function () { return ew.tanh(this); };
P.pow = function (e) { return ew.powScalar(this, e); };
P.clipByValue = function (lo, hi) { return ew.clipByValue(this, lo, hi); };
P.cast = function (dtype) { return ew.cast(this, dtype); };
P.matMul = function (b, ta, tb) { return matMul(this, b, ta, tb); };
P.sum = function (axis, keepDims) { return sum(this, axis, keepDims); };
P.mean = function (axis, keepDims) { return mean(this, axis, keepDims); };
P.max = function (axis, keepDims) { return max(this, axis, keepDims); };
P.reshape = function (shape) { return reshape(this, shape); };
P.transpose = function (perm) { return transpose(this, perm); };
P.slice = function (begin, size) { return slice(this, begin, size); };
P.reverse = function (axis) { return reverse(this, axis); };
P.broadcastTo = function (shape) { return broadcastTo(this, shape); };
P.concat = function (others, axis) { return concat([this, ...(Array.isArray(others) ? others : [others])], axis); };
P.gather = function (indices) { return gather(this, indices); };
