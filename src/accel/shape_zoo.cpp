#include "accel/shape_zoo.hpp"

#include <utility>

#include "core/error.hpp"

namespace rapidnn::accel {
namespace {

// Table 2: IN, FC 512, FC 512, FC classes.
NetworkShape mlp(std::string name, std::int64_t in, std::int64_t classes) {
  NetworkShape n{std::move(name), {}};
  n.layers.push_back(input_layer("input", in));
  n.layers.push_back(dense_layer("fc1", in, 512));
  n.layers.push_back(dense_layer("fc2", 512, 512));
  n.layers.push_back(dense_layer("fc3", 512, classes));
  return n;
}

// Table 2: IN 32x32x3, CV 32x3x3, PL 2x2, CV 64x3x3, CV 64x3x3, FC 512, FC 10 (100).
// 'same' padding as in the Keras CIFAR example the paper follows (Sec 5.2).
NetworkShape cifar_cnn(std::string name, std::int64_t classes) {
  NetworkShape n{std::move(name), {}};
  n.layers.push_back(input_layer("input", 32 * 32 * 3));
  n.layers.push_back(conv_layer("conv1", 32, 32, 3, 32, 3, 1, 1));
  n.layers.push_back(max_pool_layer("pool1", 32, 32, 32, 2, 2));
  n.layers.push_back(conv_layer("conv2", 16, 16, 32, 64, 3, 1, 1));
  n.layers.push_back(conv_layer("conv3", 16, 16, 64, 64, 3, 1, 1));
  n.layers.push_back(dense_layer("fc1", 16 * 16 * 64, 512));
  n.layers.push_back(dense_layer("fc2", 512, classes));
  return n;
}

// AlexNet [8] with the original two-group convolutions, 227x227x3 input.
NetworkShape alexnet() {
  NetworkShape n{"alexnet", {}};
  n.layers.push_back(input_layer("input", 227 * 227 * 3));
  n.layers.push_back(conv_layer("conv1", 227, 227, 3, 96, 11, 4, 0));     // 55x55x96
  n.layers.push_back(max_pool_layer("pool1", 55, 55, 96, 3, 2));          // 27
  n.layers.push_back(conv_layer("conv2", 27, 27, 96, 256, 5, 1, 2, 2));   // 27x27x256
  n.layers.push_back(max_pool_layer("pool2", 27, 27, 256, 3, 2));         // 13
  n.layers.push_back(conv_layer("conv3", 13, 13, 256, 384, 3, 1, 1));
  n.layers.push_back(conv_layer("conv4", 13, 13, 384, 384, 3, 1, 1, 2));
  n.layers.push_back(conv_layer("conv5", 13, 13, 384, 256, 3, 1, 1, 2));
  n.layers.push_back(max_pool_layer("pool5", 13, 13, 256, 3, 2));         // 6
  n.layers.push_back(dense_layer("fc6", 6 * 6 * 256, 4096));
  n.layers.push_back(dense_layer("fc7", 4096, 4096));
  n.layers.push_back(dense_layer("fc8", 4096, 1000));
  return n;
}

// VGG-16 [55], 224x224x3 input.
NetworkShape vgg16() {
  NetworkShape n{"vgg16", {}};
  n.layers.push_back(input_layer("input", 224 * 224 * 3));
  const std::int64_t blocks[5][2] = {{64, 2}, {128, 2}, {256, 3}, {512, 3}, {512, 3}};
  std::int64_t hw = 224, c = 3;
  for (int b = 0; b < 5; ++b) {
    for (int i = 0; i < blocks[b][1]; ++i) {
      n.layers.push_back(conv_layer(fmt::format("conv{}_{}", b + 1, i + 1), hw, hw, c, blocks[b][0], 3, 1, 1));
      c = blocks[b][0];
    }
    n.layers.push_back(max_pool_layer(fmt::format("pool{}", b + 1), hw, hw, c, 2, 2));
    hw /= 2;
  }
  n.layers.push_back(dense_layer("fc6", 7 * 7 * 512, 4096));
  n.layers.push_back(dense_layer("fc7", 4096, 4096));
  n.layers.push_back(dense_layer("fc8", 4096, 1000));
  return n;
}

// GoogLeNet (Inception v1) [56]: the stem, nine inception modules, average pool, classifier.
NetworkShape googlenet() {
  NetworkShape n{"googlenet", {}};
  auto& L = n.layers;
  L.push_back(input_layer("input", 224 * 224 * 3));
  L.push_back(conv_layer("conv1", 224, 224, 3, 64, 7, 2, 3));     // 112
  L.push_back(max_pool_layer("pool1", 112, 112, 64, 3, 2, 1));    // 56
  L.push_back(conv_layer("conv2_reduce", 56, 56, 64, 64, 1, 1, 0));
  L.push_back(conv_layer("conv2", 56, 56, 64, 192, 3, 1, 1));
  L.push_back(max_pool_layer("pool2", 56, 56, 192, 3, 2, 1));     // 28
  struct Inception {
    const char* name;
    std::int64_t b1, b3r, b3, b5r, b5, bp;
  };
  auto inception = [&](const Inception& m, std::int64_t hw, std::int64_t cin) {
    const std::string p = m.name;
    L.push_back(conv_layer(p + "_1x1", hw, hw, cin, m.b1, 1, 1, 0));
    L.push_back(conv_layer(p + "_3x3_reduce", hw, hw, cin, m.b3r, 1, 1, 0));
    L.push_back(conv_layer(p + "_3x3", hw, hw, m.b3r, m.b3, 3, 1, 1));
    L.push_back(conv_layer(p + "_5x5_reduce", hw, hw, cin, m.b5r, 1, 1, 0));
    L.push_back(conv_layer(p + "_5x5", hw, hw, m.b5r, m.b5, 5, 1, 2));
    L.push_back(max_pool_layer(p + "_pool", hw, hw, cin, 3, 1, 1));
    L.push_back(conv_layer(p + "_pool_proj", hw, hw, cin, m.bp, 1, 1, 0));
    const std::int64_t cout = m.b1 + m.b3 + m.b5 + m.bp;
    L.push_back(concat_layer(p + "_concat", hw * hw * cout));
    return cout;
  };
  std::int64_t c = 192;
  c = inception({"3a", 64, 96, 128, 16, 32, 32}, 28, c);
  c = inception({"3b", 128, 128, 192, 32, 96, 64}, 28, c);
  L.push_back(max_pool_layer("pool3", 28, 28, c, 3, 2, 1));       // 14
  c = inception({"4a", 192, 96, 208, 16, 48, 64}, 14, c);
  c = inception({"4b", 160, 112, 224, 24, 64, 64}, 14, c);
  c = inception({"4c", 128, 128, 256, 24, 64, 64}, 14, c);
  c = inception({"4d", 112, 144, 288, 32, 64, 64}, 14, c);
  c = inception({"4e", 256, 160, 320, 32, 128, 128}, 14, c);
  L.push_back(max_pool_layer("pool4", 14, 14, c, 3, 2, 1));       // 7
  c = inception({"5a", 256, 160, 320, 32, 128, 128}, 7, c);
  c = inception({"5b", 384, 192, 384, 48, 128, 128}, 7, c);
  L.push_back(avg_pool_layer("pool5", 7, 7, c, 7, 1));
  L.push_back(dense_layer("fc", c, 1000));
  return n;
}

// ResNet-152 [48] (Keras ResNet152: stride in the first 1x1 of a stage, projection shortcuts).
NetworkShape resnet152() {
  NetworkShape n{"resnet152", {}};
  auto& L = n.layers;
  L.push_back(input_layer("input", 224 * 224 * 3));
  L.push_back(conv_layer("conv1", 224, 224, 3, 64, 7, 2, 3));     // 112
  L.push_back(max_pool_layer("pool1", 112, 112, 64, 3, 2, 1));    // 56
  const std::int64_t blocks[4] = {3, 8, 36, 3};
  const std::int64_t widths[4] = {64, 128, 256, 512};
  std::int64_t hw = 56, c = 64;
  for (int s = 0; s < 4; ++s) {
    for (std::int64_t b = 0; b < blocks[s]; ++b) {
      const std::string p = fmt::format("conv{}_block{}", s + 2, b + 1);
      const std::int64_t stride = (b == 0 && s > 0) ? 2 : 1;
      const std::int64_t out_hw = hw / stride, w = widths[s], cout = 4 * widths[s];
      L.push_back(conv_layer(p + "_1", hw, hw, c, w, 1, stride, 0));
      L.push_back(conv_layer(p + "_2", out_hw, out_hw, w, w, 3, 1, 1));
      LayerShape third = conv_layer(p + "_3", out_hw, out_hw, w, cout, 1, 1, 0);
      third.has_activation = false;  // ReLU comes after the residual sum
      L.push_back(third);
      if (b == 0) {
        LayerShape proj = conv_layer(p + "_0", hw, hw, c, cout, 1, stride, 0);
        proj.has_activation = false;
        L.push_back(proj);
      }
      L.push_back(add_layer(p + "_add", out_hw * out_hw * cout));
      hw = out_hw;
      c = cout;
    }
  }
  L.push_back(avg_pool_layer("avg_pool", 7, 7, c, 7, 1));
  L.push_back(dense_layer("fc", c, 1000));
  return n;
}

}  // namespace

const std::vector<std::string>& zoo_names() {
  static const std::vector<std::string> names = {"mnist_mlp", "isolet_mlp", "har_mlp",  "cifar10_cnn", "cifar100_cnn",
                                                 "alexnet",   "vgg16",      "googlenet", "resnet152"};
  return names;
}

NetworkShape zoo_shape(const std::string& name) {
  if (name == "mnist_mlp") return mlp(name, 784, 10);
  if (name == "isolet_mlp") return mlp(name, 617, 26);
  if (name == "har_mlp") return mlp(name, 561, 19);
  if (name == "cifar10_cnn") return cifar_cnn(name, 10);
  if (name == "cifar100_cnn") return cifar_cnn(name, 100);
  if (name == "alexnet") return alexnet();
  if (name == "vgg16") return vgg16();
  if (name == "googlenet") return googlenet();
  if (name == "resnet152") return resnet152();
  std::string known;
  for (const auto& n : zoo_names()) known += (known.empty() ? "" : ", ") + n;
  throw InvalidArgument(fmt::format("unknown network shape '{}'; known: {}", name, known));
}

}  // namespace rapidnn::accel
