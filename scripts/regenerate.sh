#!/bin/sh
# Reruns every table and figure that the calibrated baseline (and its posterior) feed, after a
# recalibration: the calibration fit, the posterior and its predictive check, the what-ifs at the
# calibrated point and under the posterior, the Niger stories and their sweep, the 2025 hindcast,
# the Sobol indices and the report's screenshot. Each step writes its printed table to
# WORK/<step>.txt (and its runs to WORK/); the figures go to docs/figures/. The tables in README.md
# and scenarios/README.md are then copied from those files by hand.
#
#   scripts/regenerate.sh WORK [STEP ...]      steps: calibration outcomes posterior posterior20
#                                              whatifs stories hindcast sensitivity report
#                                              (default: all but posterior and posterior20)
#
# `posterior` recomputes scenarios/baseline-posterior.h5 with the README's command (about 27 minutes
# on 2 cores); the steps after it read that file. `posterior20` is the same command at agent
# scale 20 (about 14 minutes), written to WORK/baseline-posterior-20.h5 for the README's comparison
# of the two scales; nothing else reads it. Run from the repository root after
# `ninja -C build`; OMP_WAIT_POLICY=passive when other work shares the cores.
# shellcheck disable=SC2317 # the steps below are called by name, from the loop at the end
set -eu
work=${1:?usage: scripts/regenerate.sh WORK [STEP ...]}
shift
steps=${*:-calibration outcomes whatifs stories hindcast sensitivity report}
mkdir -p "$work"
migflow=${MIGFLOW:-build/src/cli/migflow}
post=scenarios/baseline-posterior.h5
export PYTHONPATH=python
py=/usr/bin/python3

timed() { # name command...: runs the command, its output to WORK/name.txt, its wall time after it
	name=$1
	shift
	start=$(date +%s)
	"$@" >"$work/$name.txt" 2>&1
	echo "# $name: $(($(date +%s) - start)) s wall" >>"$work/$name.txt"
	tail -n 1 "$work/$name.txt"
}

calibration() {
	timed calibration "$migflow" calibrate scenarios/baseline.yaml --evaluate --replicates 3
}

outcomes() { # the outcome table of scenarios/README.md (the slow test prints its means)
	timed outcomes $py tests/test_outcomes.py "$migflow" scenarios
}

posterior_at() { # NAME SCALE FILE: the README's posterior command at agent scale SCALE
	timed "$1-run" /usr/bin/time -v "$migflow" posterior scenarios/baseline-start.yaml \
		--agent-scale "$2" --particles 500 --budget 20500 --predictive 200 --seed 1 --threads 2 \
		-o "$3" --force
	timed "$1" "$migflow" posterior --summary "$3"
}

posterior() {
	posterior_at posterior 10 "$post"
	$py scripts/plot_posterior.py "$post" -o docs/figures/posterior-pairs-2024.png \
		--check docs/figures/posterior-check-2024.png
}

posterior20() { # the 15-minute posterior
	posterior_at posterior20 20 "$work/baseline-posterior-20.h5"
}

whatifs() {
	runs() {
		for s in baseline niger-collapse mali-collapse sudan-escalation law-2015-36-restored; do
			"$migflow" run "scenarios/$s.yaml" --posterior "$post" --draws 40 --agent-scale 10 \
				--seed 1 -o "$work/$s-post.h5" --quiet --force
			"$migflow" run "scenarios/$s.yaml" --replicates 40 --agent-scale 10 --seed 1 \
				-o "$work/$s-fixed.h5" --quiet --force
		done
	}
	timed whatif-runs runs
	for kind in post fixed; do
		timed "whatifs-$kind" $py scripts/whatif_table.py "$work/baseline-$kind.h5" \
			"$work/niger-collapse-$kind.h5" "$work/mali-collapse-$kind.h5" \
			"$work/sudan-escalation-$kind.h5" "$work/law-2015-36-restored-$kind.h5" --markdown
	done
}

stories() {
	runs() {
		for s in baseline niger-collapse niger-state-retreat niger-jihadist-control law-2015-36-restored; do
			"$migflow" run "scenarios/$s.yaml" --replicates 4 --agent-scale 10 --seed 1 --days 1280 \
				-o "$work/story-$s.h5" --quiet --force
		done
		for s in baseline niger-collapse niger-state-retreat niger-jihadist-control; do
			"$migflow" run "scenarios/$s.yaml" --posterior "$post" --draws 40 --agent-scale 10 \
				--seed 1 --days 1280 -o "$work/story-$s-post.h5" --quiet --force
		done
		"$migflow" batch scenarios/niger-stories-sweep.yaml -o "$work/sweep.h5" --force
	}
	timed story-runs runs
	timed stories $py scripts/niger_stories.py "$work/story-baseline.h5" \
		"$work/story-niger-collapse.h5" "$work/story-niger-state-retreat.h5" \
		"$work/story-niger-jihadist-control.h5" --markdown
	timed stories-post $py scripts/niger_stories.py "$work/story-baseline-post.h5" \
		"$work/story-niger-collapse-post.h5" "$work/story-niger-state-retreat-post.h5" \
		"$work/story-niger-jihadist-control-post.h5" --markdown
	members=""
	for story in niger-state-retreat niger-jihadist-control; do
		for p in 0 1 2 3 4; do
			members="$members $work/sweep.h5#${story}_p$p"
		done
	done
	# shellcheck disable=SC2086 # one argument per member
	timed sweep $py scripts/niger_stories.py "$work/story-baseline.h5" $members --markdown
	members=""
	for p in 0 1 2 3 4; do
		members="$members $work/sweep.h5#niger-state-retreat-under-law_p$p"
	done
	# shellcheck disable=SC2086
	timed sweep-law $py scripts/niger_stories.py "$work/story-law-2015-36-restored.h5" $members \
		--markdown
	timed story-law $py scripts/niger_stories.py "$work/story-baseline.h5" \
		"$work/story-law-2015-36-restored.h5" --markdown
}

hindcast() {
	timed hindcast "$migflow" hindcast scenarios/hindcast-2025.yaml \
		--persistence scenarios/baseline.yaml --targets scenarios/targets-2025.yaml \
		--replicates 4 --agent-scale 10
	timed hindcast-post "$migflow" hindcast scenarios/hindcast-2025.yaml \
		--persistence scenarios/baseline.yaml --targets scenarios/targets-2025.yaml \
		--posterior "$post" --draws 40 --agent-scale 10
}

sensitivity() {
	timed sensitivity "$migflow" sensitivity scenarios/baseline-start.yaml --agent-scale 10 \
		--base-samples 128 -o "$work/sa-baseline.h5" --force
	$py scripts/plot_sensitivity.py "$work/sa-baseline.h5" -o docs/figures/sensitivity-2024.png
}

report() {
	for s in baseline niger-collapse; do
		"$migflow" run "scenarios/$s.yaml" --posterior "$post" --draws 20 --agent-scale 10 --seed 1 \
			-o "$work/$s-report.h5" --quiet --force
	done
	timed report "$migflow" report "$work/baseline-report.h5" "$work/niger-collapse-report.h5" \
		--from 2025-06-01 -o "$work/brief.html" --force
	$py scripts/report_screenshot.py "$work/brief.html" -o docs/figures/report.png
}

for step in $steps; do
	echo "== $step"
	$step
done
