#pragma once
// Converts a built nn::Model into the accelerator's NetworkShape (target rapidnn::accel_nn, so
// the cost model itself stays independent of nn). BatchNorm is folded into the preceding layer
// (an affine map applied offline), dropout and flatten cost nothing at inference, and an
// activation node marks the layer it follows as having an activation (Sec 4.2.1).
#include "accel/network_shape.hpp"

namespace rapidnn::nn {
class Model;
}

namespace rapidnn::accel {

NetworkShape shape_of(const nn::Model& model, std::string name);

}  // namespace rapidnn::accel
