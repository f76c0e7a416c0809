# bash completion for srcbind(1)                          -*- shell-script -*-
#
# Options; files after -c; interface names and alias labels after -i and in
# "-s @NAME", the host's addresses after -s; service units after enable / disable (for disable: the units that
# srcbind enabled); command names, then the command's own completion, after --
# or the first word that is not an option.

# Interfaces (/sys/class/net) and IPv4 alias labels (eth0:1), from `ip -o -4 addr`.
_srcbind_interfaces()
{
    local names=""
    [[ -d /sys/class/net ]] && names=$(command ls /sys/class/net 2>/dev/null)
    if command -v ip >/dev/null 2>&1; then
        # The label is the last word before the "\" that ends each address.
        names+=$'\n'$(ip -o -4 addr show 2>/dev/null | sed -n 's/.* \([^ ]*\)\\.*/\1/p')
    fi
    printf '%s\n' "$names" | sed '/^$/d' | sort -u
}

# The host's own addresses, for -s.
_srcbind_addresses()
{
    command -v ip >/dev/null 2>&1 || return 0
    ip -o addr show 2>/dev/null | while read -r _ _ _ address _; do printf '%s\n' "${address%/*}"; done | sort -u
}

# Service units: systemctl's list when systemd runs, else the unit directories.
_srcbind_units()
{
    if [[ -d /run/systemd/system ]] && command -v systemctl >/dev/null 2>&1; then
        systemctl list-unit-files --type=service --no-legend --no-pager --plain 2>/dev/null |
            while read -r unit _; do [[ $unit == *@.service ]] || printf '%s\n' "$unit"; done
    else
        local dir file
        for dir in /etc/systemd/system /run/systemd/system /lib/systemd/system /usr/lib/systemd/system; do
            for file in "$dir"/*.service; do
                [[ -e $file && $file != *@.service ]] && printf '%s\n' "${file##*/}"
            done
        done | sort -u
    fi
}

# Units with a drop-in written by srcbind enable.
_srcbind_enabled_units()
{
    local file
    for file in /etc/systemd/system/*.service.d/srcbind.conf; do
        [[ -e $file ]] || continue
        file=${file%/srcbind.conf}
        printf '%s\n' "${file##*/}" | sed 's/\.d$//'
    done
}

_srcbind_command_words()
{
    # Hand over to the command's own completion when bash-completion is loaded.
    local offset=$1
    if declare -F _command_offset >/dev/null 2>&1; then
        _command_offset "$offset"
    elif ((cword == offset)); then
        mapfile -t COMPREPLY < <(compgen -c -- "$cur")
    else
        mapfile -t COMPREPLY < <(compgen -f -- "$cur")
    fi
}

_srcbind()
{
    # Alias labels contain ':', which bash splits words at: with bash-completion
    # loaded, take the words as typed.
    local cur prev words cword
    if declare -F _get_comp_words_by_ref >/dev/null 2>&1; then
        _get_comp_words_by_ref -n : cur prev words cword
    else
        words=("${COMP_WORDS[@]}")
        cword=$COMP_CWORD
        cur=${words[cword]}
        prev=""
        ((cword > 0)) && prev=${words[cword - 1]}
    fi
    COMPREPLY=()
    _srcbind_complete
    declare -F __ltrim_colon_completions >/dev/null 2>&1 && __ltrim_colon_completions "$cur"
    return 0
}

_srcbind_complete()
{

    local options="-c --config -s --source -i --interface -v --verbose -q --quiet --check --explain
        --udp --program --print-env --kernel --pin --compile --help --version"

    # enable / disable UNIT
    case ${words[1]-} in
        enable | disable)
            if ((cword > 1)); then
                case $prev in
                    -c | --config)
                        compopt -o filenames 2>/dev/null
                        mapfile -t COMPREPLY < <(compgen -f -- "$cur")
                        return
                        ;;
                esac
                if [[ $cur == -* ]]; then
                    if [[ ${words[1]} == enable ]]; then
                        mapfile -t COMPREPLY < <(compgen -W "--kernel -c --config --help" -- "$cur")
                    else
                        mapfile -t COMPREPLY < <(compgen -W "--help" -- "$cur")
                    fi
                elif [[ ${words[1]} == enable ]]; then
                    mapfile -t COMPREPLY < <(compgen -W "$(_srcbind_units)" -- "$cur")
                else
                    mapfile -t COMPREPLY < <(compgen -W "$(_srcbind_enabled_units)" -- "$cur")
                fi
                return
            fi
            ;;
    esac

    # Where COMMAND starts: after "--", or at the first word that is neither an
    # option nor an option's argument.
    local i word takes_argument=""
    for ((i = 1; i < cword; i++)); do
        word=${words[i]}
        if [[ -n $takes_argument ]]; then
            takes_argument=""
            continue
        fi
        case $word in
            --) _srcbind_command_words $((i + 1)); return ;;
            -c | --config | -s | --source | -i | --interface | --program | --pin) takes_argument=1 ;;
            -*) ;;
            *)
                # --explain takes DEST, not a command.
                [[ " ${words[*]} " == *" --explain "* ]] && continue
                _srcbind_command_words "$i"
                return
                ;;
        esac
    done

    case $prev in
        -c | --config)
            compopt -o filenames 2>/dev/null
            mapfile -t COMPREPLY < <(compgen -f -- "$cur")
            return
            ;;
        -i | --interface)
            mapfile -t COMPREPLY < <(compgen -W "$(_srcbind_interfaces)" -- "$cur")
            return
            ;;
        -s | --source)
            if [[ $cur == @* ]]; then
                mapfile -t COMPREPLY < <(compgen -P @ -W "$(_srcbind_interfaces)" -- "${cur#@}")
            else
                mapfile -t COMPREPLY < <(compgen -W "$(_srcbind_addresses)" -- "$cur")
            fi
            return
            ;;
        --program)
            mapfile -t COMPREPLY < <(compgen -c -- "$cur")
            return
            ;;
        --pin)
            return
            ;;
    esac

    if [[ $cur == -* ]]; then
        mapfile -t COMPREPLY < <(compgen -W "$options" -- "$cur")
    elif ((cword == 1)); then
        mapfile -t COMPREPLY < <(compgen -W "enable disable" -- "$cur"; compgen -c -- "$cur")
    elif [[ " ${words[*]} " != *" --explain "* && " ${words[*]} " != *" --check "* ]]; then
        mapfile -t COMPREPLY < <(compgen -c -- "$cur")
    fi
} &&
    complete -F _srcbind srcbind

# ex: filetype=sh
