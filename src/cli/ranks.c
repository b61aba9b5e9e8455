/* The ranks of an MPI run (a build with -Dmpi=enabled under mpirun), or
 * one rank: shared by the commands that spread work over ranks (batch,
 * posterior). */
#include <stdbool.h>

#include "cli.h"

#if MF_HAVE_MPI
#include <mpi.h>
#endif

void ranks_start(struct ranks *r)
{
	r->rank = 0;
	r->size = 1;
	r->mpi = false;
#if MF_HAVE_MPI
	int provided;
	if (MPI_Init_thread(NULL, NULL, MPI_THREAD_FUNNELED, &provided) == MPI_SUCCESS) {
		r->mpi = true;
		MPI_Comm_rank(MPI_COMM_WORLD, &r->rank);
		MPI_Comm_size(MPI_COMM_WORLD, &r->size);
	}
#endif
}

void ranks_end(struct ranks *r)
{
#if MF_HAVE_MPI
	if (r->mpi)
		MPI_Finalize();
#endif
	r->mpi = false;
}

void ranks_broadcast(const struct ranks *r, int *values, int n)
{
#if MF_HAVE_MPI
	if (r->mpi && n > 0)
		MPI_Bcast(values, n, MPI_INT, 0, MPI_COMM_WORLD);
#else
	(void)r;
	(void)values;
	(void)n;
#endif
}

int ranks_max(const struct ranks *r, int value)
{
#if MF_HAVE_MPI
	int result = value;
	if (r->mpi)
		MPI_Allreduce(&value, &result, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
	return result;
#else
	(void)r;
	return value;
#endif
}

bool ranks_sum(const struct ranks *r, double *values, size_t n)
{
#if MF_HAVE_MPI
	if (!r->mpi || r->size == 1 || n == 0)
		return true;
	for (size_t done = 0; done < n;) {
		int count = n - done > (size_t)1 << 28 ? 1 << 28 : (int)(n - done);
		if (MPI_Allreduce(MPI_IN_PLACE, values + done, count, MPI_DOUBLE, MPI_SUM,
				  MPI_COMM_WORLD) != MPI_SUCCESS)
			return false;
		done += (size_t)count;
	}
	return true;
#else
	(void)r;
	(void)values;
	(void)n;
	return true;
#endif
}
