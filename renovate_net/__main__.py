from renovate_net.cli import main

main()
