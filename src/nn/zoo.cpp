#include "nn/zoo.hpp"

#include <cmath>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/error.hpp"
#include "core/rng.hpp"
#include "nn/dense.hpp"
#include "nn/parallel.hpp"

namespace rapidnn::nn::zoo {

namespace {

Conv2DSpec conv(int out, int k, int stride = 1, int pad = 0, bool bias = true) {
  return Conv2DSpec{out, k, k, stride, pad, bias};
}

// Table 2: IN-512-512-OUT, ReLU, dropout 0.5 after each hidden FC (Sec 5.2). The sigmoid variant
// exercises the q-row activation tables (Sec 2.2, Figure 2c), which a ReLU network replaces by a
// comparator.
Model mlp(Shape in, int classes, Activation hidden, const char* name) {
  Model m(in, name);
  if (in.h != 1 || in.w != 1) m.flatten(Model::kPrevious, "flatten");
  m.dense(512, Model::kPrevious, "fc1");
  m.activation(hidden);
  m.dropout(0.5f, Model::kPrevious, "dropout1");
  m.dense(512, Model::kPrevious, "fc2");
  m.activation(hidden);
  m.dropout(0.5f, Model::kPrevious, "dropout2");
  m.dense(classes, Model::kPrevious, "fc3");
  return m;
}

// Table 2 CIFAR: CV 32x3x3, PL 2x2, CV 64x3x3, CV 64x3x3, FC 512, FC OUT. The table gives no
// padding and no further pooling; 'valid' convolutions keep exactly the listed layers.
Model cifar_cnn(Shape in, int classes) {
  Model m(in, "cifar_cnn");
  m.conv2d(conv(32, 3), Model::kPrevious, "conv1");
  m.relu();
  m.max_pool({2, 2, 0, false}, Model::kPrevious, "pool1");
  m.conv2d(conv(64, 3), Model::kPrevious, "conv2");
  m.relu();
  m.conv2d(conv(64, 3), Model::kPrevious, "conv3");
  m.relu();
  m.flatten(Model::kPrevious, "flatten");
  m.dense(512, Model::kPrevious, "fc1");
  m.relu();
  m.dropout(0.5f, Model::kPrevious, "dropout1");
  m.dense(classes, Model::kPrevious, "fc2");
  return m;
}

// torchvision.models.alexnet (the single-tower variant of Krizhevsky et al. 2012).
Model alexnet(Shape in, int classes) {
  Model m(in, "alexnet");
  m.conv2d(conv(64, 11, 4, 2), Model::kPrevious, "conv1");
  m.relu();
  m.max_pool({3, 2, 0, false}, Model::kPrevious, "pool1");
  m.conv2d(conv(192, 5, 1, 2), Model::kPrevious, "conv2");
  m.relu();
  m.max_pool({3, 2, 0, false}, Model::kPrevious, "pool2");
  m.conv2d(conv(384, 3, 1, 1), Model::kPrevious, "conv3");
  m.relu();
  m.conv2d(conv(256, 3, 1, 1), Model::kPrevious, "conv4");
  m.relu();
  m.conv2d(conv(256, 3, 1, 1), Model::kPrevious, "conv5");
  m.relu();
  m.max_pool({3, 2, 0, false}, Model::kPrevious, "pool5");
  m.flatten(Model::kPrevious, "flatten");
  m.dropout(0.5f, Model::kPrevious, "dropout6");
  m.dense(4096, Model::kPrevious, "fc6");
  m.relu();
  m.dropout(0.5f, Model::kPrevious, "dropout7");
  m.dense(4096, Model::kPrevious, "fc7");
  m.relu();
  m.dense(classes, Model::kPrevious, "fc8");
  return m;
}

// VGG-16, configuration D of Simonyan & Zisserman (2015); layer names as in Keras.
Model vgg16(Shape in, int classes) {
  Model m(in, "vgg16");
  const int widths[5] = {64, 128, 256, 512, 512};
  const int convs[5] = {2, 2, 3, 3, 3};
  for (int b = 0; b < 5; ++b) {
    for (int c = 0; c < convs[b]; ++c) {
      m.conv2d(conv(widths[b], 3, 1, 1), Model::kPrevious, fmt::format("block{}_conv{}", b + 1, c + 1));
      m.relu();
    }
    m.max_pool({2, 2, 0, false}, Model::kPrevious, fmt::format("block{}_pool", b + 1));
  }
  m.flatten(Model::kPrevious, "flatten");
  m.dense(4096, Model::kPrevious, "fc1");
  m.relu();
  m.dropout(0.5f, Model::kPrevious, "dropout1");
  m.dense(4096, Model::kPrevious, "fc2");
  m.relu();
  m.dropout(0.5f, Model::kPrevious, "dropout2");
  m.dense(classes, Model::kPrevious, "predictions");
  return m;
}

// torchvision BasicConv2d: conv without bias, BatchNorm(eps 1e-3), ReLU.
int basic_conv(Model& m, int from, const std::string& name, int out, int k, int stride = 1,
               int pad = 0) {
  m.conv2d(conv(out, k, stride, pad, false), from, name + ".conv");
  m.batch_norm(1e-3f, Model::kPrevious, name + ".bn");
  return m.relu();
}

// torchvision Inception block (branch3 uses a 3x3 conv where the paper has 5x5; torchvision
// keeps this for weight compatibility and its published parameter count reflects it).
int inception(Model& m, int from, const std::string& name, int c1, int c3r, int c3, int c5r, int c5,
              int pool_proj) {
  const int b1 = basic_conv(m, from, name + ".branch1", c1, 1);
  int b2 = basic_conv(m, from, name + ".branch2.0", c3r, 1);
  b2 = basic_conv(m, b2, name + ".branch2.1", c3, 3, 1, 1);
  int b3 = basic_conv(m, from, name + ".branch3.0", c5r, 1);
  b3 = basic_conv(m, b3, name + ".branch3.1", c5, 3, 1, 1);
  int b4 = m.max_pool({3, 1, 1, true}, from, name + ".branch4.pool");
  b4 = basic_conv(m, b4, name + ".branch4.1", pool_proj, 1);
  return m.concat({b1, b2, b3, b4}, name + ".concat");
}

// torchvision.models.googlenet(aux_logits=False) (Szegedy et al. 2015 with BatchNorm).
Model googlenet(Shape in, int classes) {
  Model m(in, "googlenet");
  int x = basic_conv(m, 0, "conv1", 64, 7, 2, 3);
  x = m.max_pool({3, 2, 0, true}, x, "maxpool1");
  x = basic_conv(m, x, "conv2", 64, 1);
  x = basic_conv(m, x, "conv3", 192, 3, 1, 1);
  x = m.max_pool({3, 2, 0, true}, x, "maxpool2");
  x = inception(m, x, "inception3a", 64, 96, 128, 16, 32, 32);
  x = inception(m, x, "inception3b", 128, 128, 192, 32, 96, 64);
  x = m.max_pool({3, 2, 0, true}, x, "maxpool3");
  x = inception(m, x, "inception4a", 192, 96, 208, 16, 48, 64);
  x = inception(m, x, "inception4b", 160, 112, 224, 24, 64, 64);
  x = inception(m, x, "inception4c", 128, 128, 256, 24, 64, 64);
  x = inception(m, x, "inception4d", 112, 144, 288, 32, 64, 64);
  x = inception(m, x, "inception4e", 256, 160, 320, 32, 128, 128);
  x = m.max_pool({2, 2, 0, true}, x, "maxpool4");
  x = inception(m, x, "inception5a", 256, 160, 320, 32, 128, 128);
  x = inception(m, x, "inception5b", 384, 192, 384, 48, 128, 128);
  m.global_avg_pool(x, "avgpool");
  m.dropout(0.2f, Model::kPrevious, "dropout");
  m.dense(classes, Model::kPrevious, "fc");
  return m;
}

// torchvision ResNet v1.5 bottleneck: the stride sits on the 3x3 conv.
int bottleneck(Model& m, int from, const std::string& name, int planes, int stride) {
  const Shape in = m.shape(from);
  m.conv2d(conv(planes, 1, 1, 0, false), from, name + ".conv1");
  m.batch_norm(1e-5f, Model::kPrevious, name + ".bn1");
  m.relu();
  m.conv2d(conv(planes, 3, stride, 1, false), Model::kPrevious, name + ".conv2");
  m.batch_norm(1e-5f, Model::kPrevious, name + ".bn2");
  m.relu();
  m.conv2d(conv(planes * 4, 1, 1, 0, false), Model::kPrevious, name + ".conv3");
  const int main = m.batch_norm(1e-5f, Model::kPrevious, name + ".bn3");
  int shortcut = from;
  if (stride != 1 || in.c != planes * 4) {
    m.conv2d(conv(planes * 4, 1, stride, 0, false), from, name + ".downsample.0");
    shortcut = m.batch_norm(1e-5f, Model::kPrevious, name + ".downsample.1");
  }
  m.add_nodes({main, shortcut}, name + ".add");
  return m.activation(Activation::kReLU, Model::kPrevious, name + ".relu");
}

Model resnet152(Shape in, int classes) {
  Model m(in, "resnet152");
  m.conv2d(conv(64, 7, 2, 3, false), 0, "conv1");
  m.batch_norm(1e-5f, Model::kPrevious, "bn1");
  m.relu();
  int x = m.max_pool({3, 2, 1, false}, Model::kPrevious, "maxpool");
  const int blocks[4] = {3, 8, 36, 3};
  for (int l = 0; l < 4; ++l) {
    const int planes = 64 << l;
    for (int b = 0; b < blocks[l]; ++b) {
      x = bottleneck(m, x, fmt::format("layer{}.{}", l + 1, b), planes, (b == 0 && l > 0) ? 2 : 1);
    }
  }
  m.global_avg_pool(x, "avgpool");
  m.dense(classes, Model::kPrevious, "fc");
  return m;
}

}  // namespace

std::vector<std::string> names() {
  return {"mlp", "mlp_sigmoid", "cifar_cnn", "alexnet", "vgg16", "googlenet", "resnet152"};
}

Shape default_input(const std::string& name) {
  if (name == "mlp" || name == "mlp_sigmoid" || name == "cifar_cnn") return {1, 28, 28};
  if (name == "alexnet" || name == "vgg16" || name == "googlenet" || name == "resnet152") {
    return {3, 224, 224};
  }
  throw InvalidArgument(
      fmt::format("unknown model '{}'; known: {}", name, fmt::join(names(), ", ")));
}

void initialize(Model& model, std::uint64_t seed) {
  const int output = model.output_node();
  for (const int node : model.compute_nodes()) {
    Matrix* w = nullptr;
    Matrix* b = nullptr;
    double fan_in = 0, fan_out = 0;
    if (model.layer(node).kind() == LayerKind::kDense) {
      Dense& d = model.dense_at(node);
      w = &d.weights();
      b = &d.bias();
      fan_in = d.in_features();
      fan_out = d.out_features();
    } else {
      Conv2D& c = model.conv2d_at(node);
      w = &c.weights();
      b = &c.bias();
      fan_in = c.patch_size();
      fan_out = static_cast<double>(c.out_channels()) * c.kernel_h() * c.kernel_w();
    }
    // He-uniform keeps the variance 2/fan_in through ReLU layers; Glorot for the softmax layer.
    const double bound = node == output ? std::sqrt(6.0 / (fan_in + fan_out))
                                        : std::sqrt(6.0 / fan_in);
    detail::parallel_chunks(w->rows(), detail::row_grain(w->cols()), [&](std::int64_t r0,
                                                                         std::int64_t r1) {
      for (std::int64_t r = r0; r < r1; ++r) {
        CounterRng rng(seed, RngDomain::kWeightInit,
                       (static_cast<std::uint64_t>(node) << 32) | static_cast<std::uint64_t>(r));
        float* row = w->row(r).data();
        for (std::int64_t c = 0; c < w->cols(); ++c) {
          row[c] = static_cast<float>((2.0 * rng.uniform() - 1.0) * bound);
        }
      }
    });
    b->setZero();
  }
}

Model build(const std::string& name, Shape input, int classes, std::uint64_t seed) {
  RAPIDNN_THROW_IF_NOT(classes > 0, InvalidArgument, "model '{}': {} classes, need at least 1",
                       name, classes);
  Model m = [&] {
    if (name == "mlp") return mlp(input, classes, Activation::kReLU, "mlp");
    if (name == "mlp_sigmoid") return mlp(input, classes, Activation::kSigmoid, "mlp_sigmoid");
    if (name == "cifar_cnn") return cifar_cnn(input, classes);
    if (name == "alexnet") return alexnet(input, classes);
    if (name == "vgg16") return vgg16(input, classes);
    if (name == "googlenet") return googlenet(input, classes);
    if (name == "resnet152") return resnet152(input, classes);
    throw InvalidArgument(
        fmt::format("unknown model '{}'; known: {}", name, fmt::join(names(), ", ")));
  }();
  initialize(m, seed);
  return m;
}

}  // namespace rapidnn::nn::zoo
