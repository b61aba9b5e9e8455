/* migflow: a migration-flow simulation engine for the Central Sahel - Libya -
 * Central Mediterranean system. Umbrella header. */
#ifndef MIGFLOW_H
#define MIGFLOW_H

#include "migflow/version.h"
#include "migflow/error.h"
#include "migflow/date.h"
#include "migflow/rng.h"
#include "migflow/model.h"
#include "migflow/graph.h"
#include "migflow/scenario.h"
#include "migflow/sim.h"
#include "migflow/output.h"
#include "migflow/reader.h"
#include "migflow/batch.h"
#include "migflow/ensemble.h"
#include "migflow/flee.h"
#include "migflow/indicators.h"
#include "migflow/targets.h"
#include "migflow/calibrate.h"
#include "migflow/sensitivity.h"
#include "migflow/abc.h"
#include "migflow/posterior.h"
#include "migflow/checkpoint.h"
#include "migflow/compare.h"
#include "migflow/embed.h"

#endif
