#include "meter/pricing.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <stdexcept>
#include <vector>

#include "util/suggest.hpp"

namespace ralph::meter {

namespace {

// A 1-hour cache write costs 1.6 times a 5-minute one for every model the pinned Claude Code
// prices (scripts/probe-prices.sh), so an override that gives no cache_write_1h gets that.
constexpr double kOneHourWriteRatio = 1.6;

std::string lowercase(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

Status unknown_key(const std::string& where, const std::string& key,
                   const std::vector<std::string>& known) {
  std::string message = fmt::format("{}: unknown key \"{}\"", where, key);
  if (std::string close = closest_name(key, known); !close.empty()) {
    message += fmt::format(" (did you mean \"{}\"?)", close);
  }
  return make_error(message + fmt::format(" (expected {})", fmt::join(known, ", ")));
}

// A price in USD per million tokens: a number of at least 0.
Status read_price(const std::string& where, const nlohmann::json& entry, const char* key,
                  double& out) {
  auto it = entry.find(key);
  if (it == entry.end()) {
    return make_error(fmt::format("{} lacks \"{}\" (USD per million tokens)", where, key));
  }
  if (!it->is_number() || !std::isfinite(it->get<double>()) || it->get<double>() < 0) {
    return make_error(
        fmt::format("{}: \"{}\" must be a number of at least 0, not {}", where, key, it->dump()));
  }
  out = it->get<double>();
  return ok_status();
}

// The five prices of `entry` (cache_write_1h optional); `extra` are the other keys it may have.
Status read_prices(const std::string& where, const nlohmann::json& entry,
                   std::vector<std::string> extra, TokenPrices& prices) {
  std::vector<std::string> known = {"input", "output", "cache_write", "cache_write_1h",
                                    "cache_read"};
  known.insert(known.end(), extra.begin(), extra.end());
  for (const auto& [key, value] : entry.items()) {
    if (std::find(known.begin(), known.end(), key) == known.end()) {
      return unknown_key(where, key, known);
    }
  }
  for (auto [key, out] : {std::pair{"input", &prices.input}, std::pair{"output", &prices.output},
                          std::pair{"cache_write", &prices.cache_write},
                          std::pair{"cache_read", &prices.cache_read}}) {
    if (Status s = read_price(where, entry, key, *out); !s) return s;
  }
  prices.cache_write_1h = prices.cache_write * kOneHourWriteRatio;
  if (entry.contains("cache_write_1h")) {
    if (Status s = read_price(where, entry, "cache_write_1h", prices.cache_write_1h); !s) return s;
  }
  return ok_status();
}

Result<ModelPrice> parse_price(const std::string& model, const nlohmann::json& entry) {
  const std::string where = fmt::format("pricing for \"{}\"", model);
  if (!entry.is_object()) {
    return make_error(where +
                      " must be an object with input, output, cache_write and cache_read "
                      "(USD per million tokens)");
  }
  ModelPrice price;
  if (Status s = read_prices(where, entry, {"long_context", "context_window"}, price.standard);
      !s) {
    return s.error();
  }
  if (auto window = entry.find("context_window"); window != entry.end()) {
    if (!window->is_number_integer() || window->get<int64_t>() < 1) {
      return make_error(fmt::format(
          "{}: \"context_window\" must be a whole number of tokens of at least 1, not {}", where,
          window->dump()));
    }
    price.context_window = window->get<int64_t>();
  }
  auto tier = entry.find("long_context");
  if (tier == entry.end()) return price;
  const std::string tier_where = where + ": \"long_context\"";
  if (!tier->is_object()) {
    return make_error(tier_where +
                      " must be an object with above_tokens and the prices of a turn past it");
  }
  LongContextPrices long_context;
  auto above = tier->find("above_tokens");
  if (above == tier->end() || !above->is_number_integer() || above->get<int64_t>() < 1) {
    return make_error(fmt::format(
        "{}: \"above_tokens\" must be a whole number of tokens of at least 1{}", tier_where,
        above == tier->end() ? " (it is missing)" : ", not " + above->dump()));
  }
  long_context.above_tokens = above->get<int64_t>();
  if (Status s = read_prices(tier_where, *tier, {"above_tokens"}, long_context.prices); !s) {
    return s.error();
  }
  price.long_context = long_context;
  return price;
}

// A suffix Claude Code prices as the name before it: one or more of a date (-20250514,
// @20241022), a version (-v1, -v2:0) and a bracketed tag ([1m]).
bool is_version_suffix(std::string_view rest) {
  if (rest.empty()) return false;
  auto digits = [&](size_t at) {
    size_t end = at;
    while (end < rest.size() && std::isdigit(static_cast<unsigned char>(rest[end]))) ++end;
    return end - at;
  };
  size_t at = 0;
  while (at < rest.size()) {
    char c = rest[at];
    if ((c == '-' || c == '@') && digits(at + 1) == 8) {
      at += 9;
    } else if (c == '-' && at + 1 < rest.size() && rest[at + 1] == 'v' && digits(at + 2) > 0) {
      at += 2 + digits(at + 2);
      if (at < rest.size() && rest[at] == ':' && digits(at + 1) > 0) at += 1 + digits(at + 1);
    } else if (c == '[') {
      size_t close = rest.find(']', at);
      if (close == std::string_view::npos || close == at + 1) return false;
      at = close + 1;
    } else {
      return false;
    }
  }
  return true;
}

std::vector<std::string> name_words(std::string_view name) {
  std::vector<std::string> words;
  std::string word;
  for (char c : name) {
    if (std::isalnum(static_cast<unsigned char>(c))) {
      word += c;
    } else if (!word.empty()) {
      words.push_back(word);
      word.clear();
    }
  }
  if (!word.empty()) words.push_back(word);
  return words;
}

bool all_letters(const std::string& word) {
  return std::all_of(word.begin(), word.end(),
                     [](char c) { return std::isalpha(static_cast<unsigned char>(c)); });
}

// The family of a model of the table: the first word of letters after "claude"
// (claude-3-5-haiku: haiku, claude-opus-4-8: opus); "" for other names.
std::string model_family(std::string_view model) {
  auto words = name_words(model);
  auto claude = std::find(words.begin(), words.end(), "claude");
  if (claude == words.end()) return "";
  auto family = std::find_if(claude + 1, words.end(), all_letters);
  return family == words.end() ? "" : *family;
}

// Kind by kind the dearest of `prices`, tier included: below the lowest threshold the dearest
// standard price, past it the dearest of every standard and tier price, so no model of the
// set costs more than the result for any turn.
ModelPrice dearest_of(const std::vector<const ModelPrice*>& prices) {
  ModelPrice out;
  auto raise = [](TokenPrices& to, const TokenPrices& from) {
    to.input = std::max(to.input, from.input);
    to.output = std::max(to.output, from.output);
    to.cache_write = std::max(to.cache_write, from.cache_write);
    to.cache_write_1h = std::max(to.cache_write_1h, from.cache_write_1h);
    to.cache_read = std::max(to.cache_read, from.cache_read);
  };
  TokenPrices past;
  for (const ModelPrice* price : prices) {
    raise(out.standard, price->standard);
    raise(past, price->standard);
    if (price->long_context) {
      raise(past, price->long_context->prices);
      int64_t above = price->long_context->above_tokens;
      if (!out.long_context || above < out.long_context->above_tokens) {
        out.long_context = LongContextPrices{above, {}};
      }
    }
  }
  if (out.long_context) out.long_context->prices = past;
  return out;
}

}  // namespace

const TokenPrices& ModelPrice::for_turn(const Usage& turn) const {
  if (long_context && turn.context_tokens() > long_context->above_tokens) {
    return long_context->prices;
  }
  return standard;
}

std::string_view price_source_name(PriceSource source) {
  switch (source) {
    case PriceSource::kExact:
      return "exact";
    case PriceSource::kAlias:
      return "alias";
    case PriceSource::kRename:
      return "rename";
    case PriceSource::kPrefix:
      return "prefix";
    case PriceSource::kFamilyFallback:
      return "family fallback";
    case PriceSource::kUnknown:
      break;
  }
  return "unknown";
}

PricingTable PricingTable::builtin() {
  PricingTable table;
  auto data = nlohmann::json::parse(builtin_pricing_json());
  Status loaded = table.apply_overrides(data.at("models"));
  if (!loaded) throw std::logic_error("built-in pricing.json: " + loaded.message());
  for (auto [key, names] : {std::pair{"aliases", &table.aliases_}, {"renames", &table.renames_}}) {
    for (const auto& [name, model] : data.at(key).items()) {
      if (!table.models_.count(model.get<std::string>())) {
        throw std::logic_error(
            fmt::format("built-in pricing.json: {} \"{}\" names no model", key, name));
      }
      (*names)[lowercase(name)] = model.get<std::string>();
    }
  }
  table.probed_with_ = data.value("probed_with", "");
  table.default_model_ = data.value("default_model", "");
  return table;
}

Status PricingTable::apply_overrides(const nlohmann::json& models) {
  for (const auto& [model, entry] : models.items()) {
    auto price = parse_price(model, entry);
    if (!price) return price.error();
    std::string name = lowercase(model);
    models_[name] = *price;
    aliases_.erase(name);
    renames_.erase(name);
  }
  compute_dearest();
  return ok_status();
}

void PricingTable::compute_dearest() {
  std::vector<const ModelPrice*> all;
  std::map<std::string, std::vector<const ModelPrice*>> by_family;
  for (const auto& [name, price] : models_) {
    all.push_back(&price);
    if (std::string family = model_family(name); !family.empty()) {
      by_family[family].push_back(&price);
    }
  }
  dearest_ = dearest_of(all);
  family_dearest_.clear();
  for (const auto& [family, prices] : by_family) family_dearest_[family] = dearest_of(prices);
}

PricingTable::Found PricingTable::resolve_name(const std::string& name) const {
  // Aliases and renames first: Claude Code renames some names of its own catalog
  // (claude-opus-4-0 runs as claude-opus-5-5).
  if (auto it = aliases_.find(name); it != aliases_.end()) {
    return {&models_.at(it->second), PriceSource::kAlias, it->second, it->second};
  }
  if (auto it = renames_.find(name); it != renames_.end()) {
    return {&models_.at(it->second), PriceSource::kRename, it->second, it->second};
  }
  if (auto it = models_.find(name); it != models_.end()) {
    return {&it->second, PriceSource::kExact, name, name};
  }
  return {};
}

PricingTable::Found PricingTable::resolve(const std::string& model) const {
  const std::string name = lowercase(model);
  if (Found found = resolve_name(name); found.price != nullptr) return found;
  // The longest known name that the rest of this one only dates or tags.
  for (size_t cut = name.size(); cut-- > 1;) {
    char c = name[cut];
    if (c != '-' && c != '@' && c != '[') continue;
    if (!is_version_suffix(std::string_view(name).substr(cut))) continue;
    if (Found found = resolve_name(name.substr(0, cut)); found.price != nullptr) {
      return {found.price, PriceSource::kPrefix, name.substr(0, cut), found.priced_as};
    }
  }
  for (const std::string& word : name_words(name)) {
    if (auto it = family_dearest_.find(word); it != family_dearest_.end()) {
      return {&it->second, PriceSource::kFamilyFallback, word, ""};
    }
  }
  return {};
}

PriceLookup PricingTable::lookup(const std::string& model) const {
  Found found = resolve(model);
  if (found.price == nullptr) return {dearest_, PriceSource::kUnknown, "", ""};
  return {*found.price, found.source, found.matched, found.priced_as};
}

const ModelPrice& PricingTable::price_for(const std::string& model) const {
  const ModelPrice* found = resolve(model).price;
  return found != nullptr ? *found : dearest_;
}

const ModelPrice* PricingTable::find(const std::string& model) const {
  return resolve(model).price;
}

bool PricingTable::knows(const std::string& model) const {
  return models_.count(lowercase(model)) != 0;
}

double PricingTable::turn_cost(const std::string& model, const Usage& usage,
                               int64_t cache_write_1h_tokens) const {
  const TokenPrices& price = price_for(model).for_turn(usage);
  const int64_t one_hour =
      std::clamp<int64_t>(cache_write_1h_tokens, 0, usage.cache_creation_input_tokens);
  auto cost = [](int64_t tokens, double per_million) {
    return static_cast<double>(tokens) * per_million;
  };
  return (cost(usage.input_tokens, price.input) + cost(usage.output_tokens, price.output) +
          cost(usage.cache_creation_input_tokens - one_hour, price.cache_write) +
          cost(one_hour, price.cache_write_1h) +
          cost(usage.cache_read_input_tokens, price.cache_read)) /
         1e6;
}

double PricingTable::usage_cost(const std::string& model, const Usage& usage) const {
  const TokenPrices& price = price_for(model).standard;
  return (static_cast<double>(usage.input_tokens) * price.input +
          static_cast<double>(usage.output_tokens) * price.output +
          static_cast<double>(usage.cache_creation_input_tokens) * price.cache_write +
          static_cast<double>(usage.cache_read_input_tokens) * price.cache_read) /
         1e6;
}

}  // namespace ralph::meter
