#pragma once
// Layer shapes of the Table 2 topologies (MNIST/ISOLET/HAR MLPs, the CIFAR CNN, AlexNet,
// VGG-16, GoogLeNet, ResNet-152). Shapes alone drive the cost model; trained weights are not
// needed, so the ImageNet models are costed even where no composed model exists.
#include <string>
#include <vector>

#include "accel/network_shape.hpp"

namespace rapidnn::accel {

/// Names accepted by zoo_shape, in Table 2 order.
const std::vector<std::string>& zoo_names();

/// The shape of a Table 2 network; InvalidArgument listing the known names otherwise.
NetworkShape zoo_shape(const std::string& name);

}  // namespace rapidnn::accel
