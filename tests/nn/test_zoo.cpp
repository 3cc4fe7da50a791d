// Model zoo: parameter counts against the published ones, per-layer shapes at the published
// input size, and quick forward passes at small inputs.
#include <gtest/gtest.h>

#include "core/error.hpp"
#include "nn/dense.hpp"
#include "nn/zoo.hpp"
#include "nn_test_util.hpp"

namespace rapidnn::nn {
namespace {

TEST(Zoo, MlpAndCnnCountsByHand) {
  // 784*512+512 + 512*512+512 + 512*10+10 = 401,920 + 262,656 + 5,130
  EXPECT_EQ(zoo::build("mlp", Shape{1, 28, 28}, 10, 1).parameter_count(), 669'706);
  // CIFAR 32x32x3, valid 3x3 convs: 30 -> pool 15 -> 13 -> 11; conv1 3*9*32+32 = 896,
  // conv2 32*9*64+64 = 18,496, conv3 64*9*64+64 = 36,928, fc1 64*11*11*512+512 = 3,965,440,
  // fc2 512*10+10 = 5,130.
  Model cnn = zoo::build("cifar_cnn", Shape{3, 32, 32}, 10, 1);
  EXPECT_EQ(cnn.parameter_count(), 896 + 18'496 + 36'928 + 3'965'440 + 5'130);
  EXPECT_EQ(cnn.shape(cnn.find("conv3")), (Shape{64, 11, 11}));
  // Fashion-MNIST 28x28x1: 26 -> 13 -> 11 -> 9; fc1 64*81*512+512 = 2,654,720.
  Model fm = zoo::build("cifar_cnn", Shape{1, 28, 28}, 10, 1);
  EXPECT_EQ(fm.parameter_count(), 320 + 18'496 + 36'928 + 2'654'720 + 5'130);
}

TEST(Zoo, SigmoidMlpIsTheMlpWithSigmoidHiddenLayers) {
  const Model relu = zoo::build("mlp", Shape{1, 28, 28}, 10, 1);
  const Model sigm = zoo::build("mlp_sigmoid", Shape{1, 28, 28}, 10, 1);
  EXPECT_EQ(sigm.parameter_count(), 669'706);
  ASSERT_EQ(sigm.node_count(), relu.node_count());
  int sigmoids = 0;
  for (int n = 0; n < sigm.node_count(); ++n) {
    const LayerKind k = relu.layer(n).kind();
    EXPECT_EQ(sigm.layer(n).kind(), k == LayerKind::kReLU ? LayerKind::kSigmoid : k) << "node " << n;
    sigmoids += sigm.layer(n).kind() == LayerKind::kSigmoid;
  }
  EXPECT_EQ(sigmoids, 2);
  EXPECT_EQ(zoo::default_input("mlp_sigmoid"), (Shape{1, 28, 28}));
}

TEST(Zoo, IsoletAndHarMlpCountsByHand) {
  // Table 2: ISOLET IN:617, FC:512, FC:512, FC:26 (1-D samples, as data_geometry gives them):
  // 617*512+512 = 316,416; 512*512+512 = 262,656; 512*26+26 = 13,338.
  Model isolet = zoo::build("mlp", Shape{1, 1, 617}, 26, 1);
  EXPECT_EQ(isolet.parameter_count(), 316'416 + 262'656 + 13'338);
  EXPECT_EQ(isolet.parameter_count(), 592'410);
  EXPECT_EQ(isolet.output_shape(), (Shape{26, 1, 1}));
  EXPECT_EQ(isolet.dense_at(isolet.find("fc1")).in_features(), 617);
  // HAR IN:561, FC:512, FC:512, FC:6 (the 6 UCI HAR activities): 561*512+512 = 287,744;
  // 262,656; 512*6+6 = 3,078.
  Model har = zoo::build("mlp", Shape{561, 1, 1}, 6, 1);
  EXPECT_EQ(har.parameter_count(), 287'744 + 262'656 + 3'078);
  EXPECT_EQ(har.parameter_count(), 553'478);
  EXPECT_EQ(har.output_shape(), (Shape{6, 1, 1}));
  EXPECT_EQ(har.macs_per_sample(), 561 * 512 + 512 * 512 + 512 * 6);
}

// Published counts (1000 classes, 224x224x3), trainable parameters:
//  VGG-16 138,357,544 (Keras applications.VGG16 and torchvision vgg16 agree);
//  ResNet-152 60,192,808 = torchvision resnet152 (convs without bias; BN gamma/beta counted, the
//    running mean/var are buffers). Keras ResNet152 differs (its convs carry biases: 60,419,944
//    total with 151,424 non-trainable BN statistics), so we match torchvision;
//  AlexNet 61,100,840 = torchvision alexnet;
//  GoogLeNet 6,624,904 = torchvision googlenet without the auxiliary classifiers.
// Each model is built once (VGG-16 alone initialises 138M weights).
TEST(Zoo, Vgg16CountMacsAndShapes) {
  Model vgg = zoo::build("vgg16", zoo::default_input("vgg16"), 1000, 1);
  EXPECT_EQ(vgg.parameter_count(), 138'357'544);
  // Sum over the 13 convs of H*W*C_out*9*C_in at 224, 112, 56, 28, 14 (15,346,630,656) plus
  // the FCs 25088*4096 + 4096*4096 + 4096*1000 (123,633,664).
  EXPECT_EQ(vgg.macs_per_sample(), 15'470'264'320);
  EXPECT_EQ(vgg.shape(vgg.find("block5_pool")), (Shape{512, 7, 7}));
  EXPECT_EQ(vgg.dense_at(vgg.find("fc1")).in_features(), 25'088);
  const Conv2D& c = vgg.conv2d_at(vgg.find("block3_conv2"));
  EXPECT_EQ(c.in_channels(), 256);
  EXPECT_EQ(c.out_channels(), 256);
  EXPECT_EQ(c.out_h(), 56);
}

TEST(Zoo, Resnet152CountAndStructure) {
  Model r = zoo::build("resnet152", zoo::default_input("resnet152"), 1000, 1);
  EXPECT_EQ(r.parameter_count(), 60'192'808);
  EXPECT_EQ(r.shape(r.find("maxpool")), (Shape{64, 56, 56}));
  EXPECT_EQ(r.shape(r.find("layer3.35.relu")), (Shape{1024, 14, 14}));
  EXPECT_EQ(r.shape(r.find("layer4.2.relu")), (Shape{2048, 7, 7}));
  EXPECT_EQ(r.inputs_of(r.find("layer1.1.add")).size(), 2u);
  EXPECT_EQ(r.compute_nodes().size(), 156u);  // 1 stem + 50 blocks x 3 + 4 downsample + fc
}

TEST(Zoo, GooglenetAndAlexnetCountsAndStructure) {
  Model g = zoo::build("googlenet", zoo::default_input("googlenet"), 1000, 1);
  EXPECT_EQ(g.parameter_count(), 6'624'904);
  EXPECT_EQ(g.shape(g.find("maxpool1")), (Shape{64, 56, 56}));  // ceil mode
  EXPECT_EQ(g.shape(g.find("inception3a.concat")), (Shape{256, 28, 28}));
  EXPECT_EQ(g.shape(g.find("inception5b.concat")), (Shape{1024, 7, 7}));
  Model a = zoo::build("alexnet", zoo::default_input("alexnet"), 1000, 1);
  EXPECT_EQ(a.parameter_count(), 61'100'840);
  EXPECT_EQ(a.shape(a.find("pool5")), (Shape{256, 6, 6}));
}

TEST(Zoo, ForwardPassesAtSmallInputs) {
  // Small inputs keep this fast; the layer sequence is the same as at 224x224.
  const Shape tiny{3, 64, 64};
  for (const std::string name : {"vgg16", "resnet152", "googlenet"}) {
    Model m = zoo::build(name, tiny, 7, 1);
    const Matrix x = testing::random_matrix(1, tiny.size(), 50);
    const Matrix& y = m.forward(x);
    ASSERT_EQ(y.rows(), 1) << name;
    ASSERT_EQ(y.cols(), 7) << name;
    EXPECT_TRUE(y.allFinite()) << name;
  }
  Model a = zoo::build("alexnet", Shape{3, 67, 67}, 7, 1);  // 67 -> 16 -> 7 -> 3 -> 1
  EXPECT_TRUE(a.forward(testing::random_matrix(2, 3 * 67 * 67, 51)).allFinite());
}

TEST(Zoo, UnknownNameAndTooSmallInput) {
  try {
    zoo::build("lenet", Shape{1, 28, 28}, 10, 1);
    FAIL() << "expected InvalidArgument";
  } catch (const InvalidArgument& e) {
    EXPECT_STREQ(e.what(),
                 "unknown model 'lenet'; known: mlp, mlp_sigmoid, cifar_cnn, alexnet, vgg16, googlenet, resnet152");
  }
  try {
    zoo::build("cifar_cnn", Shape{1, 10, 10}, 10, 1);
    FAIL() << "expected InvalidArgument";
  } catch (const InvalidArgument& e) {
    EXPECT_STREQ(e.what(), "Conv2D 'conv3': kernel 3x3 (pad 0) does not fit input 64x2x2");
  }
}

TEST(Zoo, InitialisationIsSeededAndScaled) {
  Model a = zoo::build("mlp", Shape{784, 1, 1}, 10, 1), b = zoo::build("mlp", Shape{784, 1, 1}, 10, 1);
  Model c = zoo::build("mlp", Shape{784, 1, 1}, 10, 2);
  const Matrix& w = a.dense_at(a.find("fc1")).weights();
  EXPECT_EQ(w, b.dense_at(b.find("fc1")).weights());
  EXPECT_NE(w, c.dense_at(c.find("fc1")).weights());
  // He-uniform on fan_in 784: bound sqrt(6/784) = 0.0875, variance 2/784 = 0.00255.
  EXPECT_LE(w.cwiseAbs().maxCoeff(), std::sqrt(6.0f / 784.0f));
  EXPECT_NEAR(w.array().square().mean(), 2.0 / 784.0, 0.0001);
}

}  // namespace
}  // namespace rapidnn::nn
