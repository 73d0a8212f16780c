;; The CPU GRU's float32 loops in WebAssembly 128-bit SIMD
;; (https://github.com/WebAssembly/spec/blob/main/proposals/simd/SIMD.md): four sequences
;; ("slots") in lockstep, one f32x4 lane each, so every weight loaded feeds four multiply-adds.
;; Vector arrays hold 16 bytes per element (the four slots of it). Staging arrays are the caller's
;; tensor rows copied in: slot q's row sits q·(slot stride) bytes after slot 0's, read and written
;; a lane at a time. Every address is a byte offset into the exported memory; gru-simd.ts lays it
;; out. Semantics and gate order [z | r | ĥ]: see gru.ts and gru-cpu.ts.
(module
  (memory (export "memory") 1)

  ;; The four floats at p + q·s (q = 0…3) as one vector.
  (func $gather (param $p i32) (param $s i32) (result v128)
    (v128.load32_lane 3 (i32.add (local.get $p) (i32.mul (local.get $s) (i32.const 3)))
      (v128.load32_lane 2 (i32.add (local.get $p) (i32.shl (local.get $s) (i32.const 1)))
        (v128.load32_lane 1 (i32.add (local.get $p) (local.get $s))
          (v128.load32_zero (local.get $p))))))

  ;; Lane q of v to p + q·s.
  (func $scatter (param $p i32) (param $s i32) (param $v v128)
    (v128.store32_lane 0 (local.get $p) (local.get $v))
    (v128.store32_lane 1 (i32.add (local.get $p) (local.get $s)) (local.get $v))
    (v128.store32_lane 2 (i32.add (local.get $p) (i32.shl (local.get $s) (i32.const 1))) (local.get $v))
    (v128.store32_lane 3 (i32.add (local.get $p) (i32.mul (local.get $s) (i32.const 3))) (local.get $v)))

  ;; n zero vectors at p.
  (func $zero (param $p i32) (param $n i32)
    (block $done
      (loop $next
        (br_if $done (i32.eqz (local.get $n)))
        (v128.store (local.get $p) (v128.const i64x2 0 0))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $next))))

  ;; The lanes of v summed in float64.
  (func $hsum (param $v v128) (result f64)
    (f64.add
      (f64.add (f64.promote_f32 (f32x4.extract_lane 0 (local.get $v))) (f64.promote_f32 (f32x4.extract_lane 1 (local.get $v))))
      (f64.add (f64.promote_f32 (f32x4.extract_lane 2 (local.get $v))) (f64.promote_f32 (f32x4.extract_lane 3 (local.get $v))))))

  ;; v ← σ(v) = 1 / (1 + e^−v) for the n vectors at p (n ≥ 1), in place. A whole gate row at a time:
  ;; the iterations are independent, so the CPU overlaps their long dependency chains.
  ;; e^x = 2^m · 2^f (y = x·log2 e = m + f, |f| ≤ 1/2): 2^f by its degree-7 Taylor polynomial
  ;; (relative error < 1e-8, below float32's 6e-8), 2^m built in the exponent bits. x is clamped to
  ;; ±87 (the gates saturate long before), which keeps 2^m a normal float; NaN stays NaN.
  (func $sigmoids (param $p i32) (param $n i32)
    (local $end i32) (local $y v128) (local $m v128) (local $f v128) (local $e v128)
    (local.set $end (i32.add (local.get $p) (i32.shl (local.get $n) (i32.const 4))))
    (loop $next
      (local.set $y (f32x4.mul
        (f32x4.pmax (f32x4.pmin (f32x4.neg (v128.load (local.get $p))) (v128.const f32x4 87 87 87 87)) (v128.const f32x4 -87 -87 -87 -87))
        (v128.const f32x4 1.4426950408889634 1.4426950408889634 1.4426950408889634 1.4426950408889634)))
      (local.set $m (f32x4.nearest (local.get $y)))
      (local.set $f (f32x4.sub (local.get $y) (local.get $m)))
      (local.set $e (v128.const f32x4 1.5252733804059840e-5 1.5252733804059840e-5 1.5252733804059840e-5 1.5252733804059840e-5))
      (local.set $e (f32x4.add (f32x4.mul (local.get $e) (local.get $f)) (v128.const f32x4 1.5403530393381608e-4 1.5403530393381608e-4 1.5403530393381608e-4 1.5403530393381608e-4)))
      (local.set $e (f32x4.add (f32x4.mul (local.get $e) (local.get $f)) (v128.const f32x4 1.3333558146428443e-3 1.3333558146428443e-3 1.3333558146428443e-3 1.3333558146428443e-3)))
      (local.set $e (f32x4.add (f32x4.mul (local.get $e) (local.get $f)) (v128.const f32x4 9.6181291076284770e-3 9.6181291076284770e-3 9.6181291076284770e-3 9.6181291076284770e-3)))
      (local.set $e (f32x4.add (f32x4.mul (local.get $e) (local.get $f)) (v128.const f32x4 5.5504108664821580e-2 5.5504108664821580e-2 5.5504108664821580e-2 5.5504108664821580e-2)))
      (local.set $e (f32x4.add (f32x4.mul (local.get $e) (local.get $f)) (v128.const f32x4 0.2402265069591007 0.2402265069591007 0.2402265069591007 0.2402265069591007)))
      (local.set $e (f32x4.add (f32x4.mul (local.get $e) (local.get $f)) (v128.const f32x4 0.6931471805599453 0.6931471805599453 0.6931471805599453 0.6931471805599453)))
      (local.set $e (f32x4.add (f32x4.mul (local.get $e) (local.get $f)) (v128.const f32x4 1 1 1 1)))
      (local.set $e (f32x4.mul (local.get $e)
        (i32x4.shl (i32x4.add (i32x4.trunc_sat_f32x4_s (local.get $m)) (v128.const i32x4 127 127 127 127)) (i32.const 23))))
      (v128.store (local.get $p) (f32x4.div (v128.const f32x4 1 1 1 1) (f32x4.add (v128.const f32x4 1 1 1 1) (local.get $e))))
      (br_if $next (i32.lt_u (local.tee $p (i32.add (local.get $p) (i32.const 16))) (local.get $end)))))

  ;; out[j] = (add ? out[j] : 0) + Σ_k M[j, k]·v[k] for j < rows, k < n (n ≥ 1): out and v vectors,
  ;; M float rows sM bytes apart. Eight rows per pass: each loaded v feeds eight rows, and eight
  ;; independent sums hide the add latency.
  (func $matvec (param $out i32) (param $M i32) (param $sM i32) (param $v i32) (param $rows i32) (param $n i32) (param $add i32)
    (local $j i32) (local $m i32) (local $m4 i32) (local $p i32) (local $end i32) (local $o i32) (local $s2 i32) (local $s3 i32) (local $s4 i32)
    (local $x v128) (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128) (local $a4 v128) (local $a5 v128) (local $a6 v128) (local $a7 v128)
    (local.set $s2 (i32.shl (local.get $sM) (i32.const 1)))
    (local.set $s3 (i32.add (local.get $s2) (local.get $sM)))
    (local.set $s4 (i32.shl (local.get $sM) (i32.const 2)))
    (local.set $end (i32.add (local.get $v) (i32.shl (local.get $n) (i32.const 4))))
    (block $octetsDone
      (loop $octets
        (br_if $octetsDone (i32.gt_u (i32.add (local.get $j) (i32.const 8)) (local.get $rows)))
        (local.set $m (i32.add (local.get $M) (i32.mul (local.get $j) (local.get $sM))))
        (local.set $o (i32.add (local.get $out) (i32.shl (local.get $j) (i32.const 4))))
        (local.set $a0 (select (result v128) (v128.load offset=0 (local.get $o)) (v128.const i64x2 0 0) (local.get $add)))
        (local.set $a1 (select (result v128) (v128.load offset=16 (local.get $o)) (v128.const i64x2 0 0) (local.get $add)))
        (local.set $a2 (select (result v128) (v128.load offset=32 (local.get $o)) (v128.const i64x2 0 0) (local.get $add)))
        (local.set $a3 (select (result v128) (v128.load offset=48 (local.get $o)) (v128.const i64x2 0 0) (local.get $add)))
        (local.set $a4 (select (result v128) (v128.load offset=64 (local.get $o)) (v128.const i64x2 0 0) (local.get $add)))
        (local.set $a5 (select (result v128) (v128.load offset=80 (local.get $o)) (v128.const i64x2 0 0) (local.get $add)))
        (local.set $a6 (select (result v128) (v128.load offset=96 (local.get $o)) (v128.const i64x2 0 0) (local.get $add)))
        (local.set $a7 (select (result v128) (v128.load offset=112 (local.get $o)) (v128.const i64x2 0 0) (local.get $add)))
        (local.set $m4 (i32.add (local.get $m) (local.get $s4)))
        (local.set $p (local.get $v))
        (loop $k
          (local.set $x (v128.load (local.get $p)))
          (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (v128.load32_splat (local.get $m)) (local.get $x))))
          (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (v128.load32_splat (i32.add (local.get $m) (local.get $sM))) (local.get $x))))
          (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (v128.load32_splat (i32.add (local.get $m) (local.get $s2))) (local.get $x))))
          (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (v128.load32_splat (i32.add (local.get $m) (local.get $s3))) (local.get $x))))
          (local.set $a4 (f32x4.add (local.get $a4) (f32x4.mul (v128.load32_splat (local.get $m4)) (local.get $x))))
          (local.set $a5 (f32x4.add (local.get $a5) (f32x4.mul (v128.load32_splat (i32.add (local.get $m4) (local.get $sM))) (local.get $x))))
          (local.set $a6 (f32x4.add (local.get $a6) (f32x4.mul (v128.load32_splat (i32.add (local.get $m4) (local.get $s2))) (local.get $x))))
          (local.set $a7 (f32x4.add (local.get $a7) (f32x4.mul (v128.load32_splat (i32.add (local.get $m4) (local.get $s3))) (local.get $x))))
          (local.set $m (i32.add (local.get $m) (i32.const 4)))
          (local.set $m4 (i32.add (local.get $m4) (i32.const 4)))
          (br_if $k (i32.lt_u (local.tee $p (i32.add (local.get $p) (i32.const 16))) (local.get $end))))
        (v128.store offset=0 (local.get $o) (local.get $a0))
        (v128.store offset=16 (local.get $o) (local.get $a1))
        (v128.store offset=32 (local.get $o) (local.get $a2))
        (v128.store offset=48 (local.get $o) (local.get $a3))
        (v128.store offset=64 (local.get $o) (local.get $a4))
        (v128.store offset=80 (local.get $o) (local.get $a5))
        (v128.store offset=96 (local.get $o) (local.get $a6))
        (v128.store offset=112 (local.get $o) (local.get $a7))
        (local.set $j (i32.add (local.get $j) (i32.const 8)))
        (br $octets)))
    (block $rowsDone
      (loop $row
        (br_if $rowsDone (i32.ge_u (local.get $j) (local.get $rows)))
        (local.set $m (i32.add (local.get $M) (i32.mul (local.get $j) (local.get $sM))))
        (local.set $o (i32.add (local.get $out) (i32.shl (local.get $j) (i32.const 4))))
        (local.set $a0 (select (result v128) (v128.load (local.get $o)) (v128.const i64x2 0 0) (local.get $add)))
        (local.set $p (local.get $v))
        (loop $k
          (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (v128.load32_splat (local.get $m)) (v128.load (local.get $p)))))
          (local.set $m (i32.add (local.get $m) (i32.const 4)))
          (br_if $k (i32.lt_u (local.tee $p (i32.add (local.get $p) (i32.const 16))) (local.get $end))))
        (v128.store (local.get $o) (local.get $a0))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $row))))

  ;; out[i, j] += Σ_t Σ_q A_t[i]_q · B_t[j]_q for i < m, j < n (T ≥ 1): the weight gradients of a block
  ;; of four sequences over its T steps. A_t, B_t: vector arrays sA, sB bytes apart per step; out:
  ;; float64 rows sO bytes apart. The sum over steps runs in float32 per lane (T terms), the lanes and
  ;; blocks add in float64. Tiles of 2 rows × 4 columns (each loaded A feeds four, each B two), the
  ;; columns outermost so a tile's B stays in L1 while the rows pass.
  (func $outer (param $A i32) (param $sA i32) (param $B i32) (param $sB i32) (param $m i32) (param $n i32) (param $T i32) (param $out i32) (param $sO i32)
    (local $j i32)
    (block $quadsDone
      (loop $quads
        (br_if $quadsDone (i32.gt_u (i32.add (local.get $j) (i32.const 4)) (local.get $n)))
        (call $outerQuad (local.get $A) (local.get $sA) (i32.add (local.get $B) (i32.shl (local.get $j) (i32.const 4))) (local.get $sB)
          (local.get $m) (local.get $T) (i32.add (local.get $out) (i32.shl (local.get $j) (i32.const 3))) (local.get $sO))
        (local.set $j (i32.add (local.get $j) (i32.const 4)))
        (br $quads)))
    (block $colsDone
      (loop $col
        (br_if $colsDone (i32.ge_u (local.get $j) (local.get $n)))
        (call $outerCol (local.get $A) (local.get $sA) (i32.add (local.get $B) (i32.shl (local.get $j) (i32.const 4))) (local.get $sB)
          (local.get $m) (local.get $T) (i32.add (local.get $out) (i32.shl (local.get $j) (i32.const 3))) (local.get $sO))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $col))))

  ;; $outer for the four columns at B (out at their first column).
  (func $outerQuad (param $A i32) (param $sA i32) (param $B i32) (param $sB i32) (param $m i32) (param $T i32) (param $out i32) (param $sO i32)
    (local $i i32) (local $t i32) (local $pa i32) (local $pb i32) (local $o i32) (local $a v128) (local $b v128) (local $x v128)
    (local $c0 v128) (local $c1 v128) (local $c2 v128) (local $c3 v128) (local $d0 v128) (local $d1 v128) (local $d2 v128) (local $d3 v128)
    ;; Two rows at a time.
    (block $pairsDone
      (loop $pairs
        (br_if $pairsDone (i32.gt_u (i32.add (local.get $i) (i32.const 2)) (local.get $m)))
        (local.set $c0 (v128.const i64x2 0 0))
        (local.set $c1 (v128.const i64x2 0 0))
        (local.set $c2 (v128.const i64x2 0 0))
        (local.set $c3 (v128.const i64x2 0 0))
        (local.set $d0 (v128.const i64x2 0 0))
        (local.set $d1 (v128.const i64x2 0 0))
        (local.set $d2 (v128.const i64x2 0 0))
        (local.set $d3 (v128.const i64x2 0 0))
        (local.set $pa (i32.add (local.get $A) (i32.shl (local.get $i) (i32.const 4))))
        (local.set $pb (local.get $B))
        (local.set $t (local.get $T))
        (loop $step
          (local.set $a (v128.load offset=0 (local.get $pa)))
          (local.set $b (v128.load offset=16 (local.get $pa)))
          (local.set $x (v128.load offset=0 (local.get $pb)))
          (local.set $c0 (f32x4.add (local.get $c0) (f32x4.mul (local.get $a) (local.get $x))))
          (local.set $d0 (f32x4.add (local.get $d0) (f32x4.mul (local.get $b) (local.get $x))))
          (local.set $x (v128.load offset=16 (local.get $pb)))
          (local.set $c1 (f32x4.add (local.get $c1) (f32x4.mul (local.get $a) (local.get $x))))
          (local.set $d1 (f32x4.add (local.get $d1) (f32x4.mul (local.get $b) (local.get $x))))
          (local.set $x (v128.load offset=32 (local.get $pb)))
          (local.set $c2 (f32x4.add (local.get $c2) (f32x4.mul (local.get $a) (local.get $x))))
          (local.set $d2 (f32x4.add (local.get $d2) (f32x4.mul (local.get $b) (local.get $x))))
          (local.set $x (v128.load offset=48 (local.get $pb)))
          (local.set $c3 (f32x4.add (local.get $c3) (f32x4.mul (local.get $a) (local.get $x))))
          (local.set $d3 (f32x4.add (local.get $d3) (f32x4.mul (local.get $b) (local.get $x))))
          (local.set $pa (i32.add (local.get $pa) (local.get $sA)))
          (local.set $pb (i32.add (local.get $pb) (local.get $sB)))
          (br_if $step (local.tee $t (i32.sub (local.get $t) (i32.const 1)))))
        (local.set $o (i32.add (local.get $out) (i32.mul (local.get $i) (local.get $sO))))
        (call $fold4 (local.get $o) (local.get $c0) (local.get $c1) (local.get $c2) (local.get $c3))
        (call $fold4 (i32.add (local.get $o) (local.get $sO)) (local.get $d0) (local.get $d1) (local.get $d2) (local.get $d3))
        (local.set $i (i32.add (local.get $i) (i32.const 2)))
        (br $pairs)))
    ;; The last row of an odd count.
    (if (i32.lt_u (local.get $i) (local.get $m))
      (then
        (local.set $c0 (v128.const i64x2 0 0))
        (local.set $c1 (v128.const i64x2 0 0))
        (local.set $c2 (v128.const i64x2 0 0))
        (local.set $c3 (v128.const i64x2 0 0))
        (local.set $pa (i32.add (local.get $A) (i32.shl (local.get $i) (i32.const 4))))
        (local.set $pb (local.get $B))
        (local.set $t (local.get $T))
        (loop $step
          (local.set $a (v128.load (local.get $pa)))
          (local.set $c0 (f32x4.add (local.get $c0) (f32x4.mul (local.get $a) (v128.load offset=0 (local.get $pb)))))
          (local.set $c1 (f32x4.add (local.get $c1) (f32x4.mul (local.get $a) (v128.load offset=16 (local.get $pb)))))
          (local.set $c2 (f32x4.add (local.get $c2) (f32x4.mul (local.get $a) (v128.load offset=32 (local.get $pb)))))
          (local.set $c3 (f32x4.add (local.get $c3) (f32x4.mul (local.get $a) (v128.load offset=48 (local.get $pb)))))
          (local.set $pa (i32.add (local.get $pa) (local.get $sA)))
          (local.set $pb (i32.add (local.get $pb) (local.get $sB)))
          (br_if $step (local.tee $t (i32.sub (local.get $t) (i32.const 1)))))
        (call $fold4 (i32.add (local.get $out) (i32.mul (local.get $i) (local.get $sO))) (local.get $c0) (local.get $c1) (local.get $c2) (local.get $c3)))))

  ;; $outer for the one column at B.
  (func $outerCol (param $A i32) (param $sA i32) (param $B i32) (param $sB i32) (param $m i32) (param $T i32) (param $out i32) (param $sO i32)
    (local $i i32) (local $t i32) (local $pa i32) (local $pb i32) (local $o i32) (local $c v128)
    (loop $rows
      (local.set $c (v128.const i64x2 0 0))
      (local.set $pa (i32.add (local.get $A) (i32.shl (local.get $i) (i32.const 4))))
      (local.set $pb (local.get $B))
      (local.set $t (local.get $T))
      (loop $step
        (local.set $c (f32x4.add (local.get $c) (f32x4.mul (v128.load (local.get $pa)) (v128.load (local.get $pb)))))
        (local.set $pa (i32.add (local.get $pa) (local.get $sA)))
        (local.set $pb (i32.add (local.get $pb) (local.get $sB)))
        (br_if $step (local.tee $t (i32.sub (local.get $t) (i32.const 1)))))
      (local.set $o (i32.add (local.get $out) (i32.mul (local.get $i) (local.get $sO))))
      (f64.store (local.get $o) (f64.add (f64.load (local.get $o)) (call $hsum (local.get $c))))
      (br_if $rows (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $m)))))

  ;; out[0…3] (float64) += the lane sums of c0…c3.
  (func $fold4 (param $o i32) (param $c0 v128) (param $c1 v128) (param $c2 v128) (param $c3 v128)
    (f64.store offset=0 (local.get $o) (f64.add (f64.load offset=0 (local.get $o)) (call $hsum (local.get $c0))))
    (f64.store offset=8 (local.get $o) (f64.add (f64.load offset=8 (local.get $o)) (call $hsum (local.get $c1))))
    (f64.store offset=16 (local.get $o) (f64.add (f64.load offset=16 (local.get $o)) (call $hsum (local.get $c2))))
    (f64.store offset=24 (local.get $o) (f64.add (f64.load offset=24 (local.get $o)) (call $hsum (local.get $c3)))))

  ;; Forward over the T steps of one direction for one block of four sequences.
  ;; x: staging [slot][T][F]; H, G: staging of this direction's columns, sH, sG bytes per step
  ;; (T·sH, T·sG per slot); WT [3u][F], UT [3u][u]: the transposed kernels; bi, br: input and
  ;; recurrent bias (br unused without resetAfter); S: scratch of (2u + F + 6u) vectors.
  ;; flags: 1 goes backwards, 2 resetAfter, 4 writes G.
  ;; Per step: pre-activations by matvec, σ over the z and r rows, ĥ's pre-activation (doubled:
  ;; tanh a = 2σ(2a) − 1), σ over it, then h and the stores.
  (func $forward (export "forward")
    (param $x i32) (param $WT i32) (param $UT i32) (param $bi i32) (param $br i32) (param $H i32) (param $G i32) (param $S i32)
    (param $T i32) (param $F i32) (param $u i32) (param $sH i32) (param $sG i32) (param $flags i32)
    (local $hp i32) (local $xs i32) (local $xw i32) (local $acc i32) (local $rh i32) (local $ra i32)
    (local $u4 i32) (local $u16 i32) (local $G3 i32) (local $qx i32) (local $qH i32) (local $qG i32)
    (local $s i32) (local $t i32) (local $f i32) (local $k i32) (local $j i32) (local $ht i32) (local $gt i32)
    (local $pv i32) (local $pf i32) (local $pn i32) (local $pg i32)
    (local $z v128) (local $n v128) (local $h v128) (local $a v128)
    (local.set $u4 (i32.shl (local.get $u) (i32.const 2)))
    (local.set $u16 (i32.shl (local.get $u) (i32.const 4)))
    (local.set $G3 (i32.mul (local.get $u) (i32.const 3)))
    (local.set $ra (i32.and (local.get $flags) (i32.const 2)))
    (local.set $hp (local.get $S))
    (local.set $rh (i32.add (local.get $hp) (local.get $u16)))
    (local.set $xs (i32.add (local.get $rh) (local.get $u16)))
    (local.set $xw (i32.add (local.get $xs) (i32.shl (local.get $F) (i32.const 4))))
    (local.set $acc (i32.add (local.get $xw) (i32.shl (local.get $G3) (i32.const 4))))
    (local.set $qx (i32.mul (local.get $T) (i32.shl (local.get $F) (i32.const 2))))
    (local.set $qH (i32.mul (local.get $T) (local.get $sH)))
    (local.set $qG (i32.mul (local.get $T) (local.get $sG)))
    (call $zero (local.get $hp) (local.get $u))
    (loop $step
      (local.set $t (select (i32.sub (i32.sub (local.get $T) (i32.const 1)) (local.get $s)) (local.get $s) (i32.and (local.get $flags) (i32.const 1))))
      (local.set $f (i32.const 0))
      (loop $feature
        (v128.store (i32.add (local.get $xs) (i32.shl (local.get $f) (i32.const 4)))
          (call $gather (i32.add (local.get $x) (i32.shl (i32.add (i32.mul (local.get $t) (local.get $F)) (local.get $f)) (i32.const 2))) (local.get $qx)))
        (br_if $feature (i32.lt_u (local.tee $f (i32.add (local.get $f) (i32.const 1))) (local.get $F))))
      ;; x_t·W for every gate; h·U for all three (resetAfter) or z and r.
      (call $matvec (local.get $xw) (local.get $WT) (i32.shl (local.get $F) (i32.const 2)) (local.get $xs) (local.get $G3) (local.get $F) (i32.const 0))
      (call $matvec (local.get $acc) (local.get $UT) (local.get $u4) (local.get $hp)
        (select (local.get $G3) (i32.shl (local.get $u) (i32.const 1)) (local.get $ra)) (local.get $u) (i32.const 0))
      ;; z, r = σ(x·W + b_in + h·U (+ b_rec)), into acc's z and r rows.
      (local.set $j (i32.const 0))
      (loop $gate
        (local.set $pv (i32.add (local.get $acc) (i32.shl (local.get $j) (i32.const 4))))
        (local.set $pf (i32.shl (local.get $j) (i32.const 2)))
        (v128.store (local.get $pv) (f32x4.add
          (f32x4.add (v128.load (i32.add (local.get $xw) (i32.shl (local.get $j) (i32.const 4)))) (v128.load (local.get $pv)))
          (v128.load32_splat (i32.add (local.get $bi) (local.get $pf)))))
        (if (local.get $ra)
          (then (v128.store (local.get $pv) (f32x4.add (v128.load (local.get $pv)) (v128.load32_splat (i32.add (local.get $br) (local.get $pf)))))))
        (br_if $gate (i32.lt_u (local.tee $j (i32.add (local.get $j) (i32.const 1))) (i32.shl (local.get $u) (i32.const 1)))))
      (call $sigmoids (local.get $acc) (i32.shl (local.get $u) (i32.const 1)))
      ;; ĥ's pre-activation, doubled, into xw's ĥ rows: x·W_h + b_in + r ⊙ (h·U_h + b_rec) with
      ;; resetAfter (h·U_h + b_rec kept in acc's ĥ rows for G), x·W_h + b_in + (r ⊙ h)·U_h otherwise.
      (local.set $pn (i32.add (local.get $xw) (i32.shl (local.get $u16) (i32.const 1))))
      (if (i32.eqz (local.get $ra))
        (then
          (local.set $k (i32.const 0))
          (loop $unit
            (local.set $pv (i32.shl (local.get $k) (i32.const 4)))
            (v128.store (i32.add (local.get $rh) (local.get $pv))
              (f32x4.mul (v128.load (i32.add (i32.add (local.get $acc) (local.get $u16)) (local.get $pv))) (v128.load (i32.add (local.get $hp) (local.get $pv)))))
            (br_if $unit (i32.lt_u (local.tee $k (i32.add (local.get $k) (i32.const 1))) (local.get $u))))
          (call $matvec (i32.add (local.get $acc) (i32.shl (local.get $u16) (i32.const 1))) (i32.add (local.get $UT) (i32.mul (local.get $u4) (i32.shl (local.get $u) (i32.const 1))))
            (local.get $u4) (local.get $rh) (local.get $u) (local.get $u) (i32.const 0))))
      (local.set $k (i32.const 0))
      (loop $unit
        (local.set $pv (i32.shl (local.get $k) (i32.const 4)))
        (local.set $pf (i32.add (i32.shl (local.get $k) (i32.const 2)) (i32.shl (local.get $u4) (i32.const 1))))
        (local.set $a (v128.load (i32.add (i32.add (local.get $acc) (i32.shl (local.get $u16) (i32.const 1))) (local.get $pv))))
        (if (local.get $ra)
          (then
            (local.set $a (f32x4.add (local.get $a) (v128.load32_splat (i32.add (local.get $br) (local.get $pf)))))
            (v128.store (i32.add (i32.add (local.get $acc) (i32.shl (local.get $u16) (i32.const 1))) (local.get $pv)) (local.get $a))
            (local.set $a (f32x4.mul (local.get $a) (v128.load (i32.add (i32.add (local.get $acc) (local.get $u16)) (local.get $pv)))))))
        (v128.store (i32.add (local.get $pn) (local.get $pv)) (f32x4.mul (v128.const f32x4 2 2 2 2)
          (f32x4.add (f32x4.add (v128.load (i32.add (local.get $pn) (local.get $pv))) (v128.load32_splat (i32.add (local.get $bi) (local.get $pf)))) (local.get $a))))
        (br_if $unit (i32.lt_u (local.tee $k (i32.add (local.get $k) (i32.const 1))) (local.get $u))))
      (call $sigmoids (local.get $pn) (local.get $u))
      ;; h = ĥ + z ⊙ (h_prev − ĥ), and the stores.
      (local.set $ht (i32.add (local.get $H) (i32.mul (local.get $t) (local.get $sH))))
      (local.set $gt (i32.add (local.get $G) (i32.mul (local.get $t) (local.get $sG))))
      (local.set $k (i32.const 0))
      (loop $unit
        (local.set $pv (i32.shl (local.get $k) (i32.const 4)))
        (local.set $pf (i32.shl (local.get $k) (i32.const 2)))
        (local.set $z (v128.load (i32.add (local.get $acc) (local.get $pv))))
        (local.set $n (f32x4.sub (f32x4.mul (v128.const f32x4 2 2 2 2) (v128.load (i32.add (local.get $pn) (local.get $pv)))) (v128.const f32x4 1 1 1 1)))
        (local.set $h (f32x4.add (local.get $n) (f32x4.mul (local.get $z) (f32x4.sub (v128.load (i32.add (local.get $hp) (local.get $pv))) (local.get $n)))))
        (if (i32.and (local.get $flags) (i32.const 4))
          (then
            (local.set $pg (i32.add (local.get $gt) (local.get $pf)))
            (call $scatter (local.get $pg) (local.get $qG) (local.get $z))
            (call $scatter (i32.add (local.get $pg) (local.get $u4)) (local.get $qG) (v128.load (i32.add (i32.add (local.get $acc) (local.get $u16)) (local.get $pv))))
            (call $scatter (i32.add (local.get $pg) (i32.shl (local.get $u4) (i32.const 1))) (local.get $qG) (local.get $n))
            (if (local.get $ra)
              (then (call $scatter (i32.add (local.get $pg) (i32.mul (local.get $u4) (i32.const 3))) (local.get $qG)
                (v128.load (i32.add (i32.add (local.get $acc) (i32.shl (local.get $u16) (i32.const 1))) (local.get $pv))))))))
        (v128.store (i32.add (local.get $hp) (local.get $pv)) (local.get $h))
        (call $scatter (i32.add (local.get $ht) (local.get $pf)) (local.get $qH) (local.get $h))
        (br_if $unit (i32.lt_u (local.tee $k (i32.add (local.get $k) (i32.const 1))) (local.get $u))))
      (br_if $step (i32.lt_u (local.tee $s (i32.add (local.get $s) (i32.const 1))) (local.get $T)))))

  ;; BPTT over the T steps of one direction for one block of four sequences, adding the block's
  ;; weight gradients to acc (float64 [u][3u] dU, [F][3u] dW, [2][3u] dBias).
  ;; x, dx: staging [slot][T][F]; H, dH, G, dG: staging of this direction's columns, sH, sG bytes
  ;; per step; dHL: staging [slot][D·u] at this direction's columns (slot stride sH); Ud [u][3u],
  ;; Wd [F][3u]: this direction's kernels; S: scratch of 4u + F + 1 + T·(6u + F) vectors.
  ;; flags: 1 goes backwards, 2 resetAfter, 4 reads dH, 8 dHL, 16 dG, 32 writes dx, 64 adds to dx.
  (func $backward (export "backward")
    (param $x i32) (param $Ud i32) (param $Wd i32) (param $G i32) (param $H i32) (param $dH i32) (param $dHL i32) (param $dG i32) (param $dx i32)
    (param $S i32) (param $acc i32) (param $T i32) (param $F i32) (param $u i32) (param $sH i32) (param $sG i32) (param $flags i32)
    (local $dhc i32) (local $dzA i32) (local $dhA i32) (local $drh i32) (local $dxv i32) (local $ones i32)
    (local $hpT i32) (local $rhT i32) (local $dnT i32) (local $grT i32) (local $xT i32)
    (local $u4 i32) (local $u16 i32) (local $G3 i32) (local $G16 i32) (local $F16 i32) (local $qx i32) (local $qH i32) (local $qG i32)
    (local $s i32) (local $t i32) (local $f i32) (local $k i32) (local $pv i32) (local $pf i32) (local $gk i32) (local $dgk i32)
    (local $php i32) (local $prh i32) (local $pdn i32) (local $pgr i32) (local $pxs i32) (local $p i32) (local $accW i32)
    (local $hpk v128) (local $dh v128) (local $z v128) (local $r v128) (local $n v128) (local $hr v128)
    (local $dz v128) (local $dnn v128) (local $dnp v128) (local $dhr v128) (local $dr v128) (local $v v128)
    (local.set $u4 (i32.shl (local.get $u) (i32.const 2)))
    (local.set $u16 (i32.shl (local.get $u) (i32.const 4)))
    (local.set $G3 (i32.mul (local.get $u) (i32.const 3)))
    (local.set $G16 (i32.shl (local.get $G3) (i32.const 4)))
    (local.set $F16 (i32.shl (local.get $F) (i32.const 4)))
    (local.set $dhc (local.get $S))
    (local.set $dzA (i32.add (local.get $dhc) (local.get $u16)))
    (local.set $dhA (i32.add (local.get $dzA) (local.get $u16)))
    (local.set $drh (i32.add (local.get $dhA) (local.get $u16)))
    (local.set $dxv (i32.add (local.get $drh) (local.get $u16)))
    (local.set $ones (i32.add (local.get $dxv) (local.get $F16)))
    (local.set $hpT (i32.add (local.get $ones) (i32.const 16)))
    (local.set $rhT (i32.add (local.get $hpT) (i32.mul (local.get $T) (local.get $u16))))
    (local.set $dnT (i32.add (local.get $rhT) (i32.mul (local.get $T) (local.get $u16))))
    (local.set $grT (i32.add (local.get $dnT) (i32.mul (local.get $T) (local.get $u16))))
    (local.set $xT (i32.add (local.get $grT) (i32.mul (local.get $T) (local.get $G16))))
    (local.set $qx (i32.mul (local.get $T) (i32.shl (local.get $F) (i32.const 2))))
    (local.set $qH (i32.mul (local.get $T) (local.get $sH)))
    (local.set $qG (i32.mul (local.get $T) (local.get $sG)))
    (call $zero (local.get $dhc) (local.get $u))
    (v128.store (local.get $ones) (v128.const f32x4 1 1 1 1))
    (local.set $s (local.get $T))
    (loop $step
      (local.set $s (i32.sub (local.get $s) (i32.const 1)))
      (local.set $t (select (i32.sub (i32.sub (local.get $T) (i32.const 1)) (local.get $s)) (local.get $s) (i32.and (local.get $flags) (i32.const 1))))
      (local.set $php (i32.add (local.get $hpT) (i32.mul (local.get $s) (local.get $u16))))
      (local.set $prh (i32.add (local.get $rhT) (i32.mul (local.get $s) (local.get $u16))))
      (local.set $pdn (i32.add (local.get $dnT) (i32.mul (local.get $s) (local.get $u16))))
      (local.set $pgr (i32.add (local.get $grT) (i32.mul (local.get $s) (local.get $G16))))
      (local.set $pxs (i32.add (local.get $xT) (i32.mul (local.get $s) (local.get $F16))))
      (local.set $f (i32.const 0))
      (loop $feature
        (v128.store (i32.add (local.get $pxs) (i32.shl (local.get $f) (i32.const 4)))
          (call $gather (i32.add (local.get $x) (i32.shl (i32.add (i32.mul (local.get $t) (local.get $F)) (local.get $f)) (i32.const 2))) (local.get $qx)))
        (br_if $feature (i32.lt_u (local.tee $f (i32.add (local.get $f) (i32.const 1))) (local.get $F))))
      ;; Per unit: dL/dh, then the gate pre-activation gradients.
      (local.set $k (i32.const 0))
      (loop $unit
        (local.set $pv (i32.shl (local.get $k) (i32.const 4)))
        (local.set $pf (i32.shl (local.get $k) (i32.const 2)))
        ;; h of the previous step (input time t ∓ 1), zero at the first step
        (local.set $hpk (v128.const i64x2 0 0))
        (if (local.get $s)
          (then (local.set $hpk (call $gather
            (i32.add (i32.add (local.get $H) (i32.mul (select (i32.add (local.get $t) (i32.const 1)) (i32.sub (local.get $t) (i32.const 1)) (i32.and (local.get $flags) (i32.const 1))) (local.get $sH))) (local.get $pf))
            (local.get $qH)))))
        (v128.store (i32.add (local.get $php) (local.get $pv)) (local.get $hpk))
        (local.set $dh (v128.load (i32.add (local.get $dhc) (local.get $pv))))
        (if (i32.and (local.get $flags) (i32.const 4))
          (then (local.set $dh (f32x4.add (local.get $dh)
            (call $gather (i32.add (i32.add (local.get $dH) (i32.mul (local.get $t) (local.get $sH))) (local.get $pf)) (local.get $qH))))))
        (if (i32.and (i32.shr_u (local.get $flags) (i32.const 3)) (i32.eq (local.get $s) (i32.sub (local.get $T) (i32.const 1))))
          (then (local.set $dh (f32x4.add (local.get $dh) (call $gather (i32.add (local.get $dHL) (local.get $pf)) (local.get $sH))))))
        (local.set $gk (i32.add (i32.add (local.get $G) (i32.mul (local.get $t) (local.get $sG))) (local.get $pf)))
        (local.set $dgk (i32.add (i32.add (local.get $dG) (i32.mul (local.get $t) (local.get $sG))) (local.get $pf)))
        (local.set $z (call $gather (local.get $gk) (local.get $qG)))
        (local.set $n (call $gather (i32.add (local.get $gk) (i32.shl (local.get $u4) (i32.const 1))) (local.get $qG)))
        (local.set $dz (f32x4.mul (local.get $dh) (f32x4.sub (local.get $hpk) (local.get $n))))
        (local.set $dnn (f32x4.mul (local.get $dh) (f32x4.sub (v128.const f32x4 1 1 1 1) (local.get $z))))
        (if (i32.and (local.get $flags) (i32.const 16))
          (then
            (local.set $dz (f32x4.add (local.get $dz) (call $gather (local.get $dgk) (local.get $qG))))
            (local.set $dnn (f32x4.add (local.get $dnn) (call $gather (i32.add (local.get $dgk) (i32.shl (local.get $u4) (i32.const 1))) (local.get $qG))))))
        (local.set $dnp (f32x4.mul (local.get $dnn) (f32x4.sub (v128.const f32x4 1 1 1 1) (f32x4.mul (local.get $n) (local.get $n)))))
        (v128.store (i32.add (local.get $pdn) (local.get $pv)) (local.get $dnp))
        (if (i32.and (local.get $flags) (i32.const 2))
          (then
            (local.set $r (call $gather (i32.add (local.get $gk) (local.get $u4)) (local.get $qG)))
            (local.set $hr (call $gather (i32.add (local.get $gk) (i32.mul (local.get $u4) (i32.const 3))) (local.get $qG)))
            (local.set $dhr (f32x4.mul (local.get $dnp) (local.get $r)))
            (local.set $dr (f32x4.mul (local.get $dnp) (local.get $hr)))
            (if (i32.and (local.get $flags) (i32.const 16))
              (then
                (local.set $dhr (f32x4.add (local.get $dhr) (call $gather (i32.add (local.get $dgk) (i32.mul (local.get $u4) (i32.const 3))) (local.get $qG))))
                (local.set $dr (f32x4.add (local.get $dr) (call $gather (i32.add (local.get $dgk) (local.get $u4)) (local.get $qG))))))
            (local.set $p (i32.add (local.get $pgr) (local.get $pv)))
            (v128.store (local.get $p)
              (f32x4.mul (f32x4.mul (local.get $dz) (local.get $z)) (f32x4.sub (v128.const f32x4 1 1 1 1) (local.get $z))))
            (v128.store (i32.add (local.get $p) (local.get $u16))
              (f32x4.mul (f32x4.mul (local.get $dr) (local.get $r)) (f32x4.sub (v128.const f32x4 1 1 1 1) (local.get $r))))
            (v128.store (i32.add (local.get $p) (i32.shl (local.get $u16) (i32.const 1))) (local.get $dhr))
            (v128.store (i32.add (local.get $dhc) (local.get $pv)) (f32x4.mul (local.get $dh) (local.get $z))))
          (else
            (v128.store (i32.add (local.get $dzA) (local.get $pv)) (local.get $dz))
            (v128.store (i32.add (local.get $dhA) (local.get $pv)) (local.get $dh))))
        (br_if $unit (i32.lt_u (local.tee $k (i32.add (local.get $k) (i32.const 1))) (local.get $u))))
      (if (i32.eqz (i32.and (local.get $flags) (i32.const 2)))
        (then
          ;; d(r ⊙ h_prev) = U_h·dĥ, then the z and r gradients.
          (call $matvec (local.get $drh) (i32.add (local.get $Ud) (i32.shl (local.get $u4) (i32.const 1))) (i32.shl (local.get $G3) (i32.const 2))
            (local.get $pdn) (local.get $u) (local.get $u) (i32.const 0))
          (local.set $k (i32.const 0))
          (loop $unit
            (local.set $pv (i32.shl (local.get $k) (i32.const 4)))
            (local.set $pf (i32.shl (local.get $k) (i32.const 2)))
            (local.set $gk (i32.add (i32.add (local.get $G) (i32.mul (local.get $t) (local.get $sG))) (local.get $pf)))
            (local.set $z (call $gather (local.get $gk) (local.get $qG)))
            (local.set $r (call $gather (i32.add (local.get $gk) (local.get $u4)) (local.get $qG)))
            (local.set $hpk (v128.load (i32.add (local.get $php) (local.get $pv))))
            (local.set $v (v128.load (i32.add (local.get $drh) (local.get $pv))))
            (local.set $dr (f32x4.mul (local.get $v) (local.get $hpk)))
            (if (i32.and (local.get $flags) (i32.const 16))
              (then (local.set $dr (f32x4.add (local.get $dr)
                (call $gather (i32.add (i32.add (i32.add (local.get $dG) (i32.mul (local.get $t) (local.get $sG))) (local.get $pf)) (local.get $u4)) (local.get $qG))))))
            (local.set $p (i32.add (local.get $pgr) (local.get $pv)))
            (v128.store (local.get $p)
              (f32x4.mul (f32x4.mul (v128.load (i32.add (local.get $dzA) (local.get $pv))) (local.get $z)) (f32x4.sub (v128.const f32x4 1 1 1 1) (local.get $z))))
            (v128.store (i32.add (local.get $p) (local.get $u16))
              (f32x4.mul (f32x4.mul (local.get $dr) (local.get $r)) (f32x4.sub (v128.const f32x4 1 1 1 1) (local.get $r))))
            (v128.store (i32.add (local.get $prh) (local.get $pv)) (f32x4.mul (local.get $r) (local.get $hpk)))
            (v128.store (i32.add (local.get $dhc) (local.get $pv))
              (f32x4.add (f32x4.mul (v128.load (i32.add (local.get $dhA) (local.get $pv))) (local.get $z)) (f32x4.mul (local.get $v) (local.get $r))))
            (br_if $unit (i32.lt_u (local.tee $k (i32.add (local.get $k) (i32.const 1))) (local.get $u))))))
      ;; dh for the previous step: + U·g over the recurrent gate columns.
      (call $matvec (local.get $dhc) (local.get $Ud) (i32.shl (local.get $G3) (i32.const 2)) (local.get $pgr) (local.get $u)
        (select (local.get $G3) (i32.shl (local.get $u) (i32.const 1)) (i32.and (local.get $flags) (i32.const 2))) (i32.const 1))
      ;; dx_t = dXp·Wᵀ with dXp = [dz, dr | dĥ]; directions after the first add to it.
      (if (i32.and (local.get $flags) (i32.const 32))
        (then
          (call $matvec (local.get $dxv) (local.get $Wd) (i32.shl (local.get $G3) (i32.const 2)) (local.get $pgr) (local.get $F) (i32.shl (local.get $u) (i32.const 1)) (i32.const 0))
          (call $matvec (local.get $dxv) (i32.add (local.get $Wd) (i32.shl (local.get $u4) (i32.const 1))) (i32.shl (local.get $G3) (i32.const 2)) (local.get $pdn) (local.get $F) (local.get $u) (i32.const 1))
          (local.set $f (i32.const 0))
          (loop $feature
            (local.set $p (i32.add (local.get $dx) (i32.shl (i32.add (i32.mul (local.get $t) (local.get $F)) (local.get $f)) (i32.const 2))))
            (local.set $v (v128.load (i32.add (local.get $dxv) (i32.shl (local.get $f) (i32.const 4)))))
            (if (i32.and (local.get $flags) (i32.const 64))
              (then (local.set $v (f32x4.add (call $gather (local.get $p) (local.get $qx)) (local.get $v)))))
            (call $scatter (local.get $p) (local.get $qx) (local.get $v))
            (br_if $feature (i32.lt_u (local.tee $f (i32.add (local.get $f) (i32.const 1))) (local.get $F))))))
      (br_if $step (local.get $s)))
    ;; Weight gradients of the block: h_prev ⊗ g (r ⊙ h_prev ⊗ dĥ for U_h without resetAfter),
    ;; x ⊗ dXp, and the bias sums (1 ⊗ g).
    (local.set $accW (i32.add (local.get $acc) (i32.mul (local.get $u) (i32.shl (local.get $G3) (i32.const 3)))))
    (if (i32.and (local.get $flags) (i32.const 2))
      (then
        (call $outer (local.get $hpT) (local.get $u16) (local.get $grT) (local.get $G16) (local.get $u) (local.get $G3) (local.get $T) (local.get $acc) (i32.shl (local.get $G3) (i32.const 3)))
        (call $outer (local.get $ones) (i32.const 0) (local.get $grT) (local.get $G16) (i32.const 1) (local.get $G3) (local.get $T)
          (i32.add (i32.add (local.get $accW) (i32.mul (local.get $F) (i32.shl (local.get $G3) (i32.const 3)))) (i32.shl (local.get $G3) (i32.const 3))) (i32.const 0)))
      (else
        (call $outer (local.get $hpT) (local.get $u16) (local.get $grT) (local.get $G16) (local.get $u) (i32.shl (local.get $u) (i32.const 1)) (local.get $T) (local.get $acc) (i32.shl (local.get $G3) (i32.const 3)))
        (call $outer (local.get $rhT) (local.get $u16) (local.get $dnT) (local.get $u16) (local.get $u) (local.get $u) (local.get $T)
          (i32.add (local.get $acc) (i32.shl (local.get $u) (i32.const 4))) (i32.shl (local.get $G3) (i32.const 3)))))
    (call $outer (local.get $xT) (local.get $F16) (local.get $grT) (local.get $G16) (local.get $F) (i32.shl (local.get $u) (i32.const 1)) (local.get $T) (local.get $accW) (i32.shl (local.get $G3) (i32.const 3)))
    (call $outer (local.get $xT) (local.get $F16) (local.get $dnT) (local.get $u16) (local.get $F) (local.get $u) (local.get $T)
      (i32.add (local.get $accW) (i32.shl (local.get $u) (i32.const 4))) (i32.shl (local.get $G3) (i32.const 3)))
    (local.set $p (i32.add (local.get $accW) (i32.mul (local.get $F) (i32.shl (local.get $G3) (i32.const 3)))))
    (call $outer (local.get $ones) (i32.const 0) (local.get $grT) (local.get $G16) (i32.const 1) (i32.shl (local.get $u) (i32.const 1)) (local.get $T) (local.get $p) (i32.const 0))
    (call $outer (local.get $ones) (i32.const 0) (local.get $dnT) (local.get $u16) (i32.const 1) (local.get $u) (local.get $T)
      (i32.add (local.get $p) (i32.shl (local.get $u) (i32.const 4))) (i32.const 0)))
)
