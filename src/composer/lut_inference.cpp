#include "composer/lut_inference.hpp"

#include <algorithm>

#include <tbb/parallel_for.h>

#include "core/error.hpp"

namespace rapidnn::composer {

namespace {

// Scratch of one task: counters for both layouts.
struct Scratch {
  std::vector<std::uint16_t> banks;    // 4 x w*u counts (dense layout), all-zero between uses
  std::vector<float> partial;          // u partial sums
  std::vector<std::uint32_t> sparse;   // w*u counts (sparse layout), kept all-zero between uses
  std::vector<std::uint32_t> touched;  // cells touched, in first-touch order
  std::vector<Code> wbuf, ubuf;        // compacted edges (conv windows that hit padding)
  void reserve(int w, int u, int fan_in) {
    const auto cells = static_cast<std::size_t>(w) * static_cast<std::size_t>(u);
    if (banks.size() < 4 * cells) banks.assign(4 * cells, 0);
    if (sparse.size() < cells) sparse.assign(cells, 0);
    if (partial.size() < static_cast<std::size_t>(u)) partial.resize(static_cast<std::size_t>(u));
    if (touched.size() < static_cast<std::size_t>(fan_in)) touched.resize(static_cast<std::size_t>(fan_in));
    if (wbuf.size() < static_cast<std::size_t>(fan_in)) {
      wbuf.resize(static_cast<std::size_t>(fan_in));
      ubuf.resize(static_cast<std::size_t>(fan_in));
    }
  }
};

// Dense layout: count every pair into a w x u array, then sum count x product row by row.
// Edges are counted into 4 interleaved banks (edge k into bank k mod 4) so that runs of the same
// pair (frequent: ReLU outputs share the code of 0) do not serialise on one counter; the banks
// are added when the counts are used. Requires n < 4 * 65536 (16-bit counters per bank).
double count_dense(const Code* wc, const Code* uc, int n, const float* products, int w, int u, Scratch& s) {
  const std::size_t cells = static_cast<std::size_t>(w) * static_cast<std::size_t>(u);
  std::uint16_t* c0 = s.banks.data();
  std::uint16_t* c1 = c0 + cells;
  std::uint16_t* c2 = c1 + cells;
  std::uint16_t* c3 = c2 + cells;
  const auto U = static_cast<unsigned>(u);
  int k = 0;
  for (; k + 4 <= n; k += 4) {
    ++c0[wc[k] * U + uc[k]];
    ++c1[wc[k + 1] * U + uc[k + 1]];
    ++c2[wc[k + 2] * U + uc[k + 2]];
    ++c3[wc[k + 3] * U + uc[k + 3]];
  }
  for (; k < n; ++k) ++c0[wc[k] * U + uc[k]];
  float* part = s.partial.data();
  std::fill(part, part + u, 0.0f);
  for (int a = 0; a < w; ++a) {
    const std::size_t row = static_cast<std::size_t>(a) * U;
    const float* p = products + row;
    for (int b = 0; b < u; ++b) {
      const std::size_t i = row + static_cast<std::size_t>(b);
      const int count = c0[i] + c1[i] + c2[i] + c3[i];
      c0[i] = c1[i] = c2[i] = c3[i] = 0;  // left all-zero for the next neuron
      part[b] += static_cast<float>(count) * p[b];
    }
  }
  double acc = 0.0;
  for (int b = 0; b < u; ++b) acc += part[b];
  return acc;
}

// Sparse layout: count pairs, remembering which cells were touched; sum over those only.
double count_sparse(const Code* wc, const Code* uc, int n, const float* products, int u, Scratch& s) {
  std::uint32_t* cnt = s.sparse.data();
  std::uint32_t* touched = s.touched.data();
  int t = 0;
  for (int k = 0; k < n; ++k) {
    const std::uint32_t cell = static_cast<std::uint32_t>(wc[k]) * static_cast<std::uint32_t>(u) + uc[k];
    if (cnt[cell]++ == 0) touched[t++] = cell;
  }
  double acc = 0.0;
  for (int i = 0; i < t; ++i) {
    const std::uint32_t cell = touched[i];
    acc += static_cast<double>(static_cast<float>(cnt[cell]) * products[cell]);
    cnt[cell] = 0;
  }
  return acc;
}

// The dense layout sweeps all w*u cells per neuron (a few cycles each) on top of the n
// increments; the sparse one costs more per edge (a branch) but nothing per untouched cell.
// Measured with bench_lut on the MLP: dense wins at w = u = 16 (256 cells, 512-784 edges),
// sparse at w = u = 64 (4096 cells): dense when there are at least half as many edges as cells.
inline double count_pairs(const Code* wc, const Code* uc, int n, const float* products, int w, int u, Scratch& s) {
  const bool dense = 2 * n >= w * u && n < 4 * 65536;
  return dense ? count_dense(wc, uc, n, products, w, u, s) : count_sparse(wc, uc, n, products, u, s);
}

struct Block {
  std::int64_t rows = 0;
  std::int64_t cols = 0;
  std::vector<float> f;  // float domain, rows x cols
  std::vector<Code> c;   // code domain, rows x cols
};

void compute_counting(const ComposedModel& m, int si, Block& b, Scratch& s) {
  const auto& st = m.stages()[static_cast<std::size_t>(si)];
  s.reserve(st.w, st.u, st.fan_in);
  const std::int64_t in_cols = b.cols;
  const std::size_t wu = static_cast<std::size_t>(st.w) * static_cast<std::size_t>(st.u);
  if (!st.conv) {
    std::vector<float> out(static_cast<std::size_t>(b.rows * st.out));
    for (std::int64_t r = 0; r < b.rows; ++r) {
      const Code* uc = b.c.data() + r * in_cols;
      for (int j = 0; j < st.out; ++j) {
        const Code* wc = st.weight_codes.data() + static_cast<std::size_t>(j) * static_cast<std::size_t>(st.fan_in);
        const double acc = count_pairs(wc, uc, st.fan_in, st.products.data(), st.w, st.u, s);
        out[static_cast<std::size_t>(r * st.out + j)] = static_cast<float>(acc + st.bias[static_cast<std::size_t>(j)]);
      }
    }
    b.f = std::move(out);
    b.cols = st.out;
    return;
  }
  const auto& geo = m.conv_geometry(si);
  const auto& patch = m.patch_index(si);
  const int positions = geo.out.h * geo.out.w;
  const std::int64_t out_cols = std::int64_t{st.out} * positions;
  std::vector<float> out(static_cast<std::size_t>(b.rows * out_cols));
  std::vector<Code> pc(static_cast<std::size_t>(st.fan_in));
  for (std::int64_t r = 0; r < b.rows; ++r) {
    const Code* img = b.c.data() + r * in_cols;
    float* y = out.data() + r * out_cols;
    for (int pos = 0; pos < positions; ++pos) {
      const std::int32_t* idx = patch.data() + static_cast<std::size_t>(pos) * static_cast<std::size_t>(st.fan_in);
      bool padded = false;
      for (int k = 0; k < st.fan_in; ++k) {
        padded |= idx[k] < 0;
        pc[static_cast<std::size_t>(k)] = idx[k] < 0 ? Code{0} : img[idx[k]];
      }
      for (int oc = 0; oc < st.out; ++oc) {
        const Code* wc = st.weight_codes.data() + static_cast<std::size_t>(oc) * static_cast<std::size_t>(st.fan_in);
        const float* products = st.products.data() + static_cast<std::size_t>(oc) * wu;
        double acc;
        if (!padded) {
          acc = count_pairs(wc, pc.data(), st.fan_in, products, st.w, st.u, s);
        } else {  // padding cells are not edges of this neuron: drop them
          int n = 0;
          for (int k = 0; k < st.fan_in; ++k)
            if (idx[k] >= 0) {
              s.wbuf[static_cast<std::size_t>(n)] = wc[k];
              s.ubuf[static_cast<std::size_t>(n)] = pc[static_cast<std::size_t>(k)];
              ++n;
            }
          acc = count_pairs(s.wbuf.data(), s.ubuf.data(), n, products, st.w, st.u, s);
        }
        y[std::int64_t{oc} * positions + pos] = static_cast<float>(acc + st.bias[static_cast<std::size_t>(oc)]);
      }
    }
  }
  b.f = std::move(out);
  b.cols = out_cols;
}

void compute_reference(const ComposedModel& m, int si, Block& b) {
  const auto& st = m.stages()[static_cast<std::size_t>(si)];
  const auto& enc = m.input_encoder(si);
  using RowMat = nn::Matrix;
  const Eigen::Map<const RowMat> wdq(m.dequantized_weights(si).data(), st.out, st.fan_in);
  const Eigen::Map<const Eigen::RowVectorXf> bias(st.bias.data(), st.out);
  RowMat x(b.rows, b.cols);
  for (std::int64_t i = 0; i < b.rows * b.cols; ++i) x.data()[i] = enc.decode(b.c[static_cast<std::size_t>(i)]);
  if (!st.conv) {
    RowMat y = x * wdq.transpose();
    y.rowwise() += bias;
    b.f.assign(y.data(), y.data() + y.size());
    b.cols = st.out;
    return;
  }
  const auto& geo = m.conv_geometry(si);
  const auto& patch = m.patch_index(si);
  const int positions = geo.out.h * geo.out.w;
  const std::int64_t out_cols = std::int64_t{st.out} * positions;
  std::vector<float> out(static_cast<std::size_t>(b.rows * out_cols));
  RowMat cols(st.fan_in, positions);
  for (std::int64_t r = 0; r < b.rows; ++r) {
    const float* img = x.data() + r * b.cols;
    for (int pos = 0; pos < positions; ++pos)
      for (int k = 0; k < st.fan_in; ++k) {
        const auto idx = patch[static_cast<std::size_t>(pos) * static_cast<std::size_t>(st.fan_in) + static_cast<std::size_t>(k)];
        cols(k, pos) = idx < 0 ? 0.0f : img[idx];
      }
    Eigen::Map<RowMat> y(out.data() + r * out_cols, st.out, positions);
    y.noalias() = wdq * cols;
    for (int oc = 0; oc < st.out; ++oc) y.row(oc).array() += st.bias[static_cast<std::size_t>(oc)];
  }
  b.f = std::move(out);
  b.cols = out_cols;
}

void pool_codes(const ComposedModel& m, const Step& step, Block& b) {
  const auto& enc = m.input_encoder(step.index);
  const nn::Shape is = step.in, os = step.out;
  std::vector<Code> out(static_cast<std::size_t>(b.rows * os.size()));
  const auto& ps = step.pool;
  for (std::int64_t r = 0; r < b.rows; ++r) {
    const Code* x = b.c.data() + r * b.cols;
    Code* y = out.data() + r * os.size();
    for (int ch = 0; ch < os.c; ++ch) {
      const Code* plane = x + std::int64_t{ch} * is.h * is.w;
      if (step.kind == StepKind::kGlobalAvgPool) {
        double sum = 0.0;
        for (int i = 0; i < is.h * is.w; ++i) sum += enc.decode(plane[i]);
        y[ch] = enc.encode(static_cast<float>(sum / (is.h * is.w)));
        continue;
      }
      for (int oy = 0; oy < os.h; ++oy)
        for (int ox = 0; ox < os.w; ++ox) {
          const int ys = oy * ps.stride - ps.pad, xs = ox * ps.stride - ps.pad;
          const int y0 = std::max(ys, 0), y1 = std::min(ys + ps.kernel, is.h);
          const int x0 = std::max(xs, 0), x1 = std::min(xs + ps.kernel, is.w);
          Code result = 0;
          if (step.kind == StepKind::kMaxPool) {
            // Codebooks are ascending, so the largest code is the code of the largest value.
            for (int iy = y0; iy < y1; ++iy)
              for (int ix = x0; ix < x1; ++ix) result = std::max(result, plane[iy * is.w + ix]);
          } else {
            float sum = 0.0f;
            for (int iy = y0; iy < y1; ++iy)
              for (int ix = x0; ix < x1; ++ix) sum += enc.decode(plane[iy * is.w + ix]);
            // torch count_include_pad semantics, as nn::AvgPool2D.
            const int count = (std::min(ys + ps.kernel, is.h + ps.pad) - ys) * (std::min(xs + ps.kernel, is.w + ps.pad) - xs);
            result = enc.encode(sum / static_cast<float>(count));
          }
          y[(ch * os.h + oy) * os.w + ox] = result;
        }
    }
  }
  b.c = std::move(out);
  b.cols = os.size();
}

void run_block(const ComposedModel& m, const nn::Matrix& x, std::int64_t r0, std::int64_t r1,
               const InferenceOptions& opt, nn::Matrix& logits) {
  const Accumulation acc = opt.accumulation;
  const LookupPerturbation* perturb = opt.perturbation;
  Block b;
  b.rows = r1 - r0;
  b.cols = x.cols();
  b.f.resize(static_cast<std::size_t>(b.rows * b.cols));
  for (std::int64_t r = r0; r < r1; ++r)
    std::copy(x.row(r).data(), x.row(r).data() + b.cols, b.f.data() + (r - r0) * b.cols);
  Scratch scratch;
  // Site of element i of the block (row-major rows x cols) for the perturbation hook.
  auto site = [&](LookupKind kind, int step_no, int table, std::size_t i, float value) {
    const auto cols = static_cast<std::size_t>(b.cols);
    return LookupSite{kind, step_no, table, opt.first_image + r0 + static_cast<std::int64_t>(i / cols),
                      static_cast<std::int64_t>(i % cols), value};
  };
  auto activate = [&](const ActivationStage& a, float y, int step_no, int table, std::size_t i) {
    if (!perturb || a.exact()) return a.apply(y);
    const int row =
        perturb->returned_row(a.table.row_of(y), a.table.rows(), site(LookupKind::kActivation, step_no, table, i, y));
    return a.table.z()[static_cast<std::size_t>(row)];
  };
  auto encode = [&](const NearestEncoder& enc, float v, int step_no, int table, std::size_t i) {
    const Code c = enc.encode(v);
    if (!perturb) return c;
    return static_cast<Code>(perturb->returned_row(c, enc.size(), site(LookupKind::kEncoding, step_no, table, i, v)));
  };
  for (std::size_t step_no = 0; step_no < m.steps().size(); ++step_no) {
    const auto& step = m.steps()[step_no];
    const int sn = static_cast<int>(step_no);
    switch (step.kind) {
      case StepKind::kEncode: {
        const auto& enc = m.input_encoder(step.index);
        b.c.resize(b.f.size());
        for (std::size_t i = 0; i < b.f.size(); ++i) b.c[i] = encode(enc, b.f[i], sn, step.index, i);
        break;
      }
      case StepKind::kCompute:
        if (acc == Accumulation::kCounting) compute_counting(m, step.index, b, scratch);
        else compute_reference(m, step.index, b);
        break;
      case StepKind::kActivate: {
        const auto& a = m.activations()[static_cast<std::size_t>(step.index)];
        for (std::size_t i = 0; i < b.f.size(); ++i) b.f[i] = activate(a, b.f[i], sn, step.index, i);
        break;
      }
      case StepKind::kCodeActivate: {
        const auto& a = m.activations()[static_cast<std::size_t>(step.activation)];
        const auto& enc = m.input_encoder(step.index);
        for (std::size_t i = 0; i < b.c.size(); ++i)
          b.c[i] = encode(enc, activate(a, enc.decode(b.c[i]), sn, step.activation, i), sn, step.index, i);
        break;
      }
      case StepKind::kMaxPool:
      case StepKind::kAvgPool:
      case StepKind::kGlobalAvgPool:
        pool_codes(m, step, b);
        break;
    }
  }
  RAPIDNN_ASSERT(b.cols == m.classes());
  for (std::int64_t r = 0; r < b.rows; ++r)
    std::copy(b.f.data() + r * b.cols, b.f.data() + (r + 1) * b.cols, logits.row(r0 + r).data());
}

}  // namespace

float counted_accumulation(std::span<const Code> weight_codes, std::span<const Code> input_codes,
                           std::span<const float> products, int w, int u, float bias,
                           std::vector<std::uint32_t>* counts) {
  RAPIDNN_THROW_IF_NOT(weight_codes.size() == input_codes.size(), InvalidArgument,
                       "{} weight codes but {} input codes", weight_codes.size(), input_codes.size());
  RAPIDNN_THROW_IF_NOT(w >= 1 && u >= 1 && products.size() == static_cast<std::size_t>(w) * static_cast<std::size_t>(u),
                       InvalidArgument, "product table has {} entries, expected w*u = {}*{}", products.size(), w, u);
  for (std::size_t k = 0; k < weight_codes.size(); ++k)
    RAPIDNN_THROW_IF_NOT(weight_codes[k] < w && input_codes[k] < u, InvalidArgument,
                         "edge {}: codes ({}, {}) outside w = {}, u = {}", k, int{weight_codes[k]}, int{input_codes[k]}, w, u);
  if (counts) {
    counts->assign(products.size(), 0);
    for (std::size_t k = 0; k < weight_codes.size(); ++k) ++(*counts)[weight_codes[k] * static_cast<std::size_t>(u) + input_codes[k]];
  }
  Scratch s;
  const int n = static_cast<int>(weight_codes.size());
  s.reserve(w, u, n);
  return static_cast<float>(count_pairs(weight_codes.data(), input_codes.data(), n, products.data(), w, u, s) + bias);
}

nn::Matrix lut_logits(const ComposedModel& model, const nn::Matrix& x, const InferenceOptions& options) {
  RAPIDNN_THROW_IF_NOT(x.cols() == model.input_shape().size(), InvalidArgument,
                       "data has {} features but the composed model expects {}", x.cols(), model.input_shape().size());
  RAPIDNN_THROW_IF_NOT(options.block_rows > 0, InvalidArgument, "block_rows {} must be positive", options.block_rows);
  nn::Matrix logits(x.rows(), model.classes());
  const std::int64_t blocks = (x.rows() + options.block_rows - 1) / options.block_rows;
  tbb::parallel_for(std::int64_t{0}, blocks, [&](std::int64_t blk) {
    const std::int64_t r0 = blk * options.block_rows, r1 = std::min<std::int64_t>(x.rows(), r0 + options.block_rows);
    run_block(model, x, r0, r1, options, logits);
  });
  return logits;
}

std::vector<int> lut_predict(const ComposedModel& model, const nn::Matrix& x, const InferenceOptions& options) {
  const auto logits = lut_logits(model, x, options);
  std::vector<int> out(static_cast<std::size_t>(logits.rows()));
  for (std::int64_t r = 0; r < logits.rows(); ++r) {
    Eigen::Index best = 0;
    logits.row(r).maxCoeff(&best);
    out[static_cast<std::size_t>(r)] = static_cast<int>(best);
  }
  return out;
}

double lut_error(const ComposedModel& model, const nn::Matrix& x, std::span<const int> labels,
                 const InferenceOptions& options) {
  RAPIDNN_THROW_IF_NOT(static_cast<std::int64_t>(labels.size()) == x.rows(), InvalidArgument,
                       "{} labels for {} samples", labels.size(), x.rows());
  if (labels.empty()) return 0.0;
  const auto pred = lut_predict(model, x, options);
  std::int64_t wrong = 0;
  for (std::size_t i = 0; i < pred.size(); ++i) wrong += pred[i] != labels[i];
  return static_cast<double>(wrong) / static_cast<double>(labels.size());
}

}  // namespace rapidnn::composer
