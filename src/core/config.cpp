#include "core/config.hpp"

#include <fstream>
#include <sstream>

#include <toml++/toml.h>

#include "core/error.hpp"

namespace rapidnn {

namespace {

std::string join(const std::set<std::string, std::less<>>& keys) {
  std::string out;
  for (const auto& k : keys) {
    if (!out.empty()) out += ", ";
    out += k;
  }
  return out.empty() ? "(none)" : out;
}

const char* type_name(const toml::node& n) {
  switch (n.type()) {
    case toml::node_type::table: return "a table";
    case toml::node_type::array: return "an array";
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a float";
    case toml::node_type::boolean: return "a boolean";
    default: return "a date/time";
  }
}

}  // namespace

ConfigNode::ConfigNode(ConfigDocument* doc, const toml::table* input, toml::table* effective,
                       std::string path)
    : doc_(doc), input_(input), effective_(effective), path_(std::move(path)) {
  doc_->allowed_.try_emplace(path_, input_, std::set<std::string, std::less<>>{});
}

std::string ConfigNode::key_path(std::string_view key) const {
  return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
}

std::string ConfigNode::position_of(const toml::node* node) const {
  if (node != nullptr && node->source().begin) {
    return fmt::format("{}:{}:{}", doc_->source_name_, node->source().begin.line,
                       node->source().begin.column);
  }
  return doc_->source_name_;
}

void ConfigNode::fail(std::string_view key, std::string_view message) const {
  const toml::node* node = input_ != nullptr ? input_->get(key) : nullptr;
  throw ConfigError(fmt::format("{}: key '{}': {}", position_of(node), key_path(key), message));
}

const toml::node* ConfigNode::find(std::string_view key) {
  doc_->allowed_[path_].second.emplace(key);
  return input_ != nullptr ? input_->get(key) : nullptr;
}

bool ConfigNode::has(std::string_view key) const {
  return input_ != nullptr && input_->contains(key);
}

std::int64_t ConfigNode::get_int(std::string_view key, std::int64_t default_value, std::int64_t min,
                                 std::int64_t max) {
  const toml::node* n = find(key);
  std::int64_t v = default_value;
  if (n != nullptr) {
    if (!n->is_integer()) fail(key, fmt::format("expected an integer in [{}, {}], got {}", min, max, type_name(*n)));
    v = n->as_integer()->get();
  }
  if (v < min || v > max) fail(key, fmt::format("expected an integer in [{}, {}], got {}", min, max, v));
  effective_->insert_or_assign(key, v);
  return v;
}

std::int64_t ConfigNode::require_int(std::string_view key, std::int64_t min, std::int64_t max) {
  if (!has(key)) { find(key); fail(key, fmt::format("required integer in [{}, {}] is missing", min, max)); }
  return get_int(key, 0, min, max);
}

double ConfigNode::get_double(std::string_view key, double default_value, double min, double max) {
  const toml::node* n = find(key);
  double v = default_value;
  if (n != nullptr) {
    if (n->is_integer()) v = static_cast<double>(n->as_integer()->get());
    else if (n->is_floating_point()) v = n->as_floating_point()->get();
    else fail(key, fmt::format("expected a number in [{}, {}], got {}", min, max, type_name(*n)));
  }
  if (!(v >= min && v <= max)) fail(key, fmt::format("expected a number in [{}, {}], got {}", min, max, v));
  effective_->insert_or_assign(key, v);
  return v;
}

double ConfigNode::require_double(std::string_view key, double min, double max) {
  if (!has(key)) { find(key); fail(key, fmt::format("required number in [{}, {}] is missing", min, max)); }
  return get_double(key, 0.0, min, max);
}

bool ConfigNode::get_bool(std::string_view key, bool default_value) {
  const toml::node* n = find(key);
  bool v = default_value;
  if (n != nullptr) {
    if (!n->is_boolean()) fail(key, fmt::format("expected a boolean (true/false), got {}", type_name(*n)));
    v = n->as_boolean()->get();
  }
  effective_->insert_or_assign(key, v);
  return v;
}

std::string ConfigNode::get_string(std::string_view key, std::string default_value) {
  const toml::node* n = find(key);
  std::string v = std::move(default_value);
  if (n != nullptr) {
    if (!n->is_string()) fail(key, fmt::format("expected a string, got {}", type_name(*n)));
    v = n->as_string()->get();
  }
  effective_->insert_or_assign(key, v);
  return v;
}

std::string ConfigNode::require_string(std::string_view key) {
  if (!has(key)) { find(key); fail(key, "required string is missing"); }
  return get_string(key, "");
}

std::string ConfigNode::get_choice(std::string_view key, std::string default_value,
                                   std::initializer_list<std::string_view> allowed) {
  std::string v = get_string(key, std::move(default_value));
  for (auto a : allowed) if (a == v) return v;
  std::string list;
  for (auto a : allowed) list += (list.empty() ? "\"" : ", \"") + std::string(a) + "\"";
  fail(key, fmt::format("expected one of {}, got \"{}\"", list, v));
}

namespace {
template <class T, class Check>
std::vector<T> read_list(ConfigNode& node, const toml::node* n, std::string_view key,
                         std::vector<T> default_value, const char* what, Check&& convert) {
  if (n == nullptr) return default_value;
  const toml::array* arr = n->as_array();
  if (arr == nullptr) node.fail(key, fmt::format("expected an array of {}, got {}", what, type_name(*n)));
  std::vector<T> out;
  for (std::size_t i = 0; i < arr->size(); ++i) out.push_back(convert((*arr)[i], i));
  return out;
}
}  // namespace

std::vector<std::int64_t> ConfigNode::get_int_list(std::string_view key,
                                                   std::vector<std::int64_t> default_value,
                                                   std::int64_t min, std::int64_t max) {
  auto v = read_list<std::int64_t>(*this, find(key), key, std::move(default_value), "integers",
                                   [&](const toml::node& e, std::size_t i) -> std::int64_t {
    if (!e.is_integer()) fail(key, fmt::format("element {} must be an integer, got {}", i, type_name(e)));
    return e.as_integer()->get();
  });
  toml::array eff;
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (v[i] < min || v[i] > max)
      fail(key, fmt::format("element {} must be in [{}, {}], got {}", i, min, max, v[i]));
    eff.push_back(v[i]);
  }
  effective_->insert_or_assign(key, std::move(eff));
  return v;
}

std::vector<double> ConfigNode::get_double_list(std::string_view key, std::vector<double> default_value,
                                                double min, double max) {
  auto v = read_list<double>(*this, find(key), key, std::move(default_value), "numbers",
                             [&](const toml::node& e, std::size_t i) -> double {
    if (e.is_integer()) return static_cast<double>(e.as_integer()->get());
    if (!e.is_floating_point()) fail(key, fmt::format("element {} must be a number, got {}", i, type_name(e)));
    return e.as_floating_point()->get();
  });
  toml::array eff;
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (!(v[i] >= min && v[i] <= max))
      fail(key, fmt::format("element {} must be in [{}, {}], got {}", i, min, max, v[i]));
    eff.push_back(v[i]);
  }
  effective_->insert_or_assign(key, std::move(eff));
  return v;
}

std::vector<std::string> ConfigNode::get_string_list(std::string_view key,
                                                     std::vector<std::string> default_value) {
  auto v = read_list<std::string>(*this, find(key), key, std::move(default_value), "strings",
                                  [&](const toml::node& e, std::size_t i) -> std::string {
    if (!e.is_string()) fail(key, fmt::format("element {} must be a string, got {}", i, type_name(e)));
    return e.as_string()->get();
  });
  toml::array eff;
  for (const auto& s : v) eff.push_back(s);
  effective_->insert_or_assign(key, std::move(eff));
  return v;
}

ConfigNode ConfigNode::child(std::string_view key) {
  const toml::node* n = find(key);
  const toml::table* in = nullptr;
  if (n != nullptr) {
    in = n->as_table();
    if (in == nullptr) fail(key, fmt::format("expected a table, got {}", type_name(*n)));
  }
  auto [it, inserted] = effective_->insert(key, toml::table{});
  return ConfigNode(doc_, in, it->second.as_table(), key_path(key));
}

std::vector<ConfigNode> ConfigNode::table_array(std::string_view key) {
  const toml::node* n = find(key);
  std::vector<ConfigNode> out;
  if (n == nullptr) return out;
  const toml::array* arr = n->as_array();
  if (arr == nullptr || !arr->is_array_of_tables())
    fail(key, fmt::format("expected an array of tables ([[{}]]), got {}", key_path(key), type_name(*n)));
  auto [it, inserted] = effective_->insert_or_assign(key, toml::array{});
  toml::array* eff = it->second.as_array();
  for (std::size_t i = 0; i < arr->size(); ++i) eff->push_back(toml::table{});
  for (std::size_t i = 0; i < arr->size(); ++i) {
    out.push_back(ConfigNode(doc_, (*arr)[i].as_table(), (*eff)[i].as_table(),
                             fmt::format("{}[{}]", key_path(key), i)));
  }
  return out;
}

ConfigDocument ConfigDocument::parse(std::string text, std::string source_name) {
  ConfigDocument doc;
  doc.text_ = std::move(text);
  doc.source_name_ = std::move(source_name);
  try {
    doc.input_ = std::make_unique<toml::table>(toml::parse(doc.text_, doc.source_name_));
  } catch (const toml::parse_error& e) {
    throw ConfigError(fmt::format("{}:{}:{}: invalid TOML: {}", doc.source_name_,
                                  e.source().begin.line, e.source().begin.column, e.description()));
  }
  doc.effective_ = std::make_unique<toml::table>();
  return doc;
}

std::string ConfigDocument::read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ConfigError(fmt::format("{}: cannot open configuration file", path.string()));
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

ConfigDocument ConfigDocument::load(const std::filesystem::path& path) {
  return parse(read_text(path), path.string());
}

ConfigDocument::ConfigDocument(ConfigDocument&&) noexcept = default;
ConfigDocument& ConfigDocument::operator=(ConfigDocument&&) noexcept = default;
ConfigDocument::~ConfigDocument() = default;

ConfigNode ConfigDocument::root() { return ConfigNode(this, input_.get(), effective_.get(), ""); }

void ConfigDocument::check_unknown_keys() const {
  for (const auto& [path, entry] : allowed_) {
    const auto& [table, keys] = entry;
    if (table == nullptr) continue;
    for (const auto& [k, node] : *table) {
      if (keys.find(k.str()) != keys.end()) continue;
      std::string full = path.empty() ? std::string(k.str()) : path + "." + std::string(k.str());
      std::string where = source_name_;
      if (node.source().begin)
        where = fmt::format("{}:{}:{}", source_name_, node.source().begin.line, node.source().begin.column);
      throw ConfigError(fmt::format("{}: unknown key '{}'; allowed keys{}: {}", where, full,
                                    path.empty() ? "" : " in [" + path + "]", join(keys)));
    }
  }
}

std::string ConfigDocument::effective_text() const {
  std::ostringstream ss;
  // Relaxed precision prints 0.05 rather than 0.050000000000000003 (digits10, not max_digits10).
  ss << toml::toml_formatter{*effective_, toml::toml_formatter::default_flags | toml::format_flags::relaxed_float_precision};
  return ss.str();
}

}  // namespace rapidnn
