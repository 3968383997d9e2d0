from modelspec.cli.main import main

raise SystemExit(main())
