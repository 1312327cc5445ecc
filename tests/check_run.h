/* SPDX-License-Identifier: MIT */
/* The one way every Check suite here is run and turned into an exit status. */
#ifndef TAM_CHECK_RUN_H
#define TAM_CHECK_RUN_H

#include <check.h>
#include <stdlib.h>

/* Run @suites (NULL-terminated) in order; prints Check's summary line. */
static inline int check_run(Suite **suites)
{
	SRunner *sr = srunner_create(suites[0]);
	int failed;

	while (*++suites)
		srunner_add_suite(sr, *suites);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

#endif /* TAM_CHECK_RUN_H */
