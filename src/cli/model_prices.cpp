#include "cli/model_prices.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "plan/complexity.hpp"

namespace ralph::cli {

namespace {

std::vector<std::string> configured_models(const plan::LoadedPlan& loaded) {
  std::vector<std::string> models;
  auto add = [&](const std::string& model) {
    if (std::find(models.begin(), models.end(), model) == models.end()) models.push_back(model);
  };
  const std::string fallback = loaded.config.settings.text("model").value_or("");
  if (auto model = loaded.config.settings.text("model")) add(*model);
  for (const auto& model : loaded.config.settings.list("models")) add(model);  // the ladder
  bool any_default = loaded.plan.items.empty();
  for (const auto& item : loaded.plan.items) {
    if (item.model) add(*item.model);
    any_default = any_default || !item.model;
  }
  if (any_default) add(fallback);  // "" stands for the agent's default
  return models;
}

std::string source_text(const meter::PriceLookup& found) {
  switch (found.source) {
    case meter::PriceSource::kExact:
      return "exact";
    case meter::PriceSource::kAlias:
      return "alias of " + found.priced_as;
    case meter::PriceSource::kRename:
      return "rename of " + found.priced_as;
    case meter::PriceSource::kPrefix:
      return found.matched == found.priced_as
                 ? "prefix of " + found.matched
                 : fmt::format("prefix of {} (priced as {})", found.matched, found.priced_as);
    case meter::PriceSource::kFamilyFallback:
      return fmt::format("family fallback (priced as the dearest {})", found.matched);
    case meter::PriceSource::kUnknown:
      break;
  }
  return "unknown (priced as the dearest model)";
}

}  // namespace

std::vector<ModelPriceSource> model_price_sources(const plan::PlanFolder& folder,
                                                  const plan::LoadedPlan& loaded) {
  const meter::PricingTable& pricing = loaded.pricing;
  std::vector<ModelPriceSource> out;
  for (const std::string& configured : configured_models(loaded)) {
    ModelPriceSource entry;
    entry.model = configured.empty() ? pricing.default_model() : configured;
    entry.label = configured.empty() ? fmt::format("{} (the agent's default with Claude Code {})",
                                                   entry.model, pricing.probed_with())
                                     : configured;
    entry.found = pricing.lookup(entry.model);
    entry.source = source_text(entry.found);
    if (entry.found.source == meter::PriceSource::kFamilyFallback ||
        entry.found.source == meter::PriceSource::kUnknown) {
      std::string priced_as = entry.found.source == meter::PriceSource::kUnknown
                                  ? "the dearest model of the table"
                                  : fmt::format("the dearest {} model", entry.found.matched);
      entry.warning = fmt::format(
          "the pricing table has no price for \"{}\": the meter prices it as {}, so budget caps "
          "may stop iterations early. Give it a \"pricing\" entry in {}, or re-probe the table "
          "with scripts/probe-prices.sh if Claude Code knows it",
          entry.model, priced_as, folder.display("ralph.json"));
    }
    out.push_back(std::move(entry));
  }
  return out;
}

std::vector<std::string> ladder_warnings(const plan::PlanFolder& folder,
                                         const plan::LoadedPlan& loaded) {
  std::vector<std::string> out;
  const std::vector<std::string> ladder = loaded.config.settings.list("models");
  if (ladder.empty()) return out;
  const std::string file = folder.display("ralph.json");
  const meter::PricingTable& pricing = loaded.pricing;
  // A typical turn: mostly cached context, some new input, some output.
  const meter::Usage turn{2'000, 1'000, 5'000, 50'000};
  for (size_t i = 0; i < ladder.size(); ++i) {
    for (size_t j = 0; j < i; ++j) {
      if (plan::ladder_index({ladder[j]}, ladder[i], pricing)) {
        out.push_back(fmt::format("{}: \"models\" lists {} twice ({} and {})", file, ladder[i],
                                  ladder[j], ladder[i]));
      }
    }
    if (i == 0) continue;
    const double before = pricing.usage_cost(ladder[i - 1], turn);
    const double here = pricing.usage_cost(ladder[i], turn);
    if (here < before) {
      out.push_back(fmt::format(
          "{}: \"models\" should go cheapest first, but {} (${:.4f} a typical turn) costs less "
          "than {} (${:.4f}) before it; an item would escalate to a cheaper model",
          file, ladder[i], here, ladder[i - 1], before));
    }
  }
  if (auto model = loaded.config.settings.text("model")) {
    out.push_back(fmt::format(
        "{}: \"model\" ({}) is not used while \"models\" is set: items that name no model go "
        "by the ladder (pass --model to force one model)",
        file, *model));
  }
  return out;
}

}  // namespace ralph::cli
