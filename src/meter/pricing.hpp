// What tokens cost: a pricing table kept as data (pricing.json, built in, probed from the
// pinned Claude Code CLI by scripts/probe-prices.sh) that ralph.json can override. It prices
// the live meter, which enforces every budget cap; the agent's own total is the authority when
// it reports one. The format and the lookup order are in README.md, "Prices".
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "meter/usage.hpp"
#include "util/result.hpp"

namespace ralph::meter {

struct TokenPrices {  // USD per million tokens
  double input = 0;
  double output = 0;
  double cache_write = 0;     // 5-minute cache writes
  double cache_write_1h = 0;  // 1-hour cache writes
  double cache_read = 0;
  bool operator==(const TokenPrices&) const = default;
};

// The prices of a turn that read more than `above_tokens` (input + cache write + cache read).
struct LongContextPrices {
  int64_t above_tokens = 0;
  TokenPrices prices;
  bool operator==(const LongContextPrices&) const = default;
};

struct ModelPrice {
  TokenPrices standard;
  std::optional<LongContextPrices> long_context;
  // Its context window in tokens, as Claude Code reports it (modelUsage[*].contextWindow);
  // none when the table does not know it.
  std::optional<int64_t> context_window;

  // The prices of one turn: the long-context tier's when the turn is past its threshold.
  const TokenPrices& for_turn(const Usage& turn) const;
  bool operator==(const ModelPrice&) const = default;
};

// Where a price comes from, in lookup order.
enum class PriceSource {
  kExact,           // the name is a model of the table
  kAlias,           // a short name Claude Code resolves to a model (sonnet, opus, ...)
  kRename,          // a name Claude Code prices as another model (dated, provider, retired)
  kPrefix,          // a known name with a date or provider suffix (-20250514, @20241022, [1m])
  kFamilyFallback,  // an unknown model of a known family: the family's dearest prices
  kUnknown,         // nothing known: the dearest prices of the table
};
// "exact", "alias", "rename", "prefix", "family fallback", "unknown".
std::string_view price_source_name(PriceSource source);

struct PriceLookup {
  ModelPrice price;
  PriceSource source = PriceSource::kUnknown;
  // What matched: the model (exact), the alias or rename's model, the known name a prefix
  // extends, the family; empty for unknown.
  std::string matched;
  // The table's model whose prices apply (exact, alias, rename, prefix); empty otherwise.
  std::string priced_as;
};

std::string_view builtin_pricing_json();

class PricingTable {
 public:
  static PricingTable builtin();

  // Adds or replaces models from an object {model: {input, output, cache_write, cache_read,
  // [cache_write_1h], [long_context]}} (USD per million tokens). A replaced model keeps
  // nothing of its built-in entry; a name that was an alias or rename becomes a model of its
  // own. The error names the model and the field that is wrong.
  Status apply_overrides(const nlohmann::json& models);

  // The price of a model and where it comes from (see PriceSource; names are compared
  // without regard to case, as Claude Code does). Never cheaper than what the table knows:
  // an unknown model of a family costs the family's dearest prices, kind by kind and tier
  // included, and any other unknown model the table's dearest.
  PriceLookup lookup(const std::string& model) const;
  // The price alone, as lookup() finds it.
  const ModelPrice& price_for(const std::string& model) const;
  // The same lookup without the last resort: nullptr when the model is unknown (unpriced).
  const ModelPrice* find(const std::string& model) const;
  // Whether `model` is a model of the table (built in or overridden), not an alias or rename.
  bool knows(const std::string& model) const;

  // The cost of one turn of `model`; `cache_write_1h_tokens` of its cache writes are 1-hour
  // writes, priced as such.
  double turn_cost(const std::string& model, const Usage& usage,
                   int64_t cache_write_1h_tokens = 0) const;

  // What `usage` summed over many turns of `model` costs at its standard prices (a sum has no
  // one turn's size, so no long-context tier): an estimate, for re-pricing an iteration's tokens
  // at another model.
  double usage_cost(const std::string& model, const Usage& usage) const;

  // The Claude Code version the built-in table was probed with, and the model it runs when
  // given no --model ("" for a table without them).
  const std::string& probed_with() const { return probed_with_; }
  const std::string& default_model() const { return default_model_; }

 private:
  struct Found {
    const ModelPrice* price = nullptr;
    PriceSource source = PriceSource::kUnknown;
    std::string matched;
    std::string priced_as;
  };
  Found resolve(const std::string& model) const;
  // The entry a name, an alias or a rename reaches, without prefixes.
  Found resolve_name(const std::string& name) const;
  void compute_dearest();

  std::map<std::string, ModelPrice> models_;
  std::map<std::string, std::string> aliases_;
  std::map<std::string, std::string> renames_;
  std::map<std::string, ModelPrice> family_dearest_;
  ModelPrice dearest_;
  std::string probed_with_;
  std::string default_model_;
};

}  // namespace ralph::meter
