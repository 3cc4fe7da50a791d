#pragma once
// The paper's Table 2 topologies. Weights are initialised from CounterRng(seed,
// RngDomain::kWeightInit, node id << 32 | weight row): He-uniform U(+-sqrt(6/fan_in)) (variance
// 2/fan_in, He et al. 2015) for hidden Dense/Conv2D layers, Glorot-uniform
// U(+-sqrt(6/(fan_in+fan_out))) for the output layer; biases 0; BatchNorm gamma 1, beta 0,
// mean 0, var 1.
//
//  "mlp"        IN-512-512-OUT, ReLU, dropout 0.5 after each hidden FC (MNIST/ISOLET/HAR).
//  "mlp_sigmoid" the same with sigmoid hidden activations (for the q-row activation tables).
//  "cifar_cnn"  CV 32x3x3, PL 2x2, CV 64x3x3, CV 64x3x3, FC 512, FC OUT ('valid' 3x3 convs,
//               ReLU, dropout 0.5 on FC 512). Takes 32x32x3 (CIFAR) or 28x28x1 (Fashion-MNIST).
//  "alexnet"    torchvision AlexNet (61,100,840 parameters at 224x224x3, 1000 classes).
//  "vgg16"      VGG-16 configuration D (138,357,544 parameters; Keras and torchvision agree).
//  "googlenet"  torchvision GoogLeNet without auxiliary heads (6,624,904 parameters), conv
//               layers without bias followed by BatchNorm(eps 1e-3).
//  "resnet152"  torchvision ResNet-152 v1.5 (60,192,808 parameters: convs without bias, BN
//               gamma/beta counted, running statistics not).
#include <cstdint>
#include <string>
#include <vector>

#include "nn/model.hpp"

namespace rapidnn::nn::zoo {

std::vector<std::string> names();
/// Throws InvalidArgument for an unknown name (listing the known ones) or an input too small for
/// the topology.
Model build(const std::string& name, Shape input, int classes, std::uint64_t seed);
/// The input shape the topology was published with (e.g. {3, 224, 224} for the ImageNet models,
/// {1, 28, 28} for the MLP and CNN on (Fashion-)MNIST).
Shape default_input(const std::string& name);
/// (Re-)initialises every Dense/Conv2D of a model as described above (the last node's layer
/// counts as the output layer).
void initialize(Model& model, std::uint64_t seed);

}  // namespace rapidnn::nn::zoo
